() => {
  // A click on [n] in an answer shows that answer's sources and brings card n into view.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.cite");
    if (!link) return;
    event.preventDefault();
    const match = /#src-(\d+)-(\d+)$/.exec(link.getAttribute("href") || "");
    if (!match) return;
    const turn = document.getElementById(`turn-${match[1]}`);
    const card = document.getElementById(`src-${match[1]}-${match[2]}`);
    if (!turn || !card) return;
    document.querySelectorAll("#sources section.turn.active").forEach((s) => s.classList.remove("active"));
    turn.classList.add("active");
    document.querySelectorAll("#sources .source.flash").forEach((c) => c.classList.remove("flash"));
    card.classList.add("flash");
    card.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }, true);

  // Gradio's copy button copies a message's source; make it the plain answer with its [n].
  const writeText = navigator.clipboard && navigator.clipboard.writeText.bind(navigator.clipboard);
  if (writeText) {
    navigator.clipboard.writeText = (text) => {
      const plain = String(text)
        .replace(/<a class="cite" href="#src-\d+-\d+"[^>]*>(\[\d+\])<\/a>/g, "$1")
        .replace(/<\/?div[^>]*>/g, "")
        .replace(/\\([\\`*_\[\]~])/g, "$1")
        .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
      return writeText(plain);
    };
  }
}
