() => {
  const narrow = () => window.matchMedia("(max-width: 768px)").matches;
  let opener = null; // the [n] that opened the sources sheet on a phone
  // Gradio scopes this app's CSS to its container, so the sheet's class goes on the row.
  const sheet = (open) => {
    const row = document.getElementById("ask-row");
    if (row) row.classList.toggle("sources-open", open);
  };
  const sheetOpen = () => !!document.querySelector("#ask-row.sources-open");

  // The sources panel scrolls on its own: bring `target` into view inside it without moving
  // the page or the chat (scrollIntoView would scroll every ancestor, the page included).
  const showInPanel = (target) => {
    const panel = narrow() ? document.getElementById("sources-column") : document.getElementById("sources");
    if (!panel) return;
    const offset = target.getBoundingClientRect().top - panel.getBoundingClientRect().top;
    panel.scrollTop += offset - 56;
  };

  // A click on [n] shows that answer's sources and card n, its sentence highlighted, and
  // moves focus to the card. On a phone the sources open as a sheet over the chat, with a
  // button back to the answer.
  document.addEventListener("click", (event) => {
    if (event.target.closest("#back-to-answer")) {
      sheet(false);
      if (opener) opener.focus({ preventScroll: true });
      return;
    }
    const link = event.target.closest("a.cite");
    if (!link) return;
    event.preventDefault();
    const match = /#src-(\d+)-(\d+)$/.exec(link.getAttribute("href") || "");
    if (!match) return;
    const turn = document.getElementById(`turn-${match[1]}`);
    const quote = document.getElementById(`src-${match[1]}-${match[2]}`);
    if (!turn || !quote) return;
    const card = quote.closest(".source") || quote;
    document.querySelectorAll("#sources section.turn.active").forEach((s) => s.classList.remove("active"));
    turn.classList.add("active");
    document.querySelectorAll("#sources .flash").forEach((c) => c.classList.remove("flash"));
    card.classList.add("flash");
    quote.classList.add("flash");
    if (narrow()) {
      opener = link;
      sheet(true);
    }
    requestAnimationFrame(() => {
      showInPanel(quote);
      card.focus({ preventScroll: true });
    });
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && sheetOpen()) {
      sheet(false);
      if (opener) opener.focus({ preventScroll: true });
    }
  });

  // The chat follows a new question and its answer, unless the reader has scrolled up in it.
  // (With a height that grows, Gradio's own scrolling targets an inner box that never
  // scrolls: the box that does is the chat block itself.)
  const scroller = (chat) => {
    for (const el of [chat, ...chat.querySelectorAll("*")]) {
      const style = getComputedStyle(el);
      if (/(auto|scroll)/.test(style.overflowY) && el.scrollHeight > el.clientHeight + 1) return el;
    }
    return null;
  };
  // Gradio labels each message with its HTML source; a screen reader should hear the text.
  const labelMessages = (chat) => {
    chat.querySelectorAll('[data-testid="bot"], [data-testid="user"]').forEach((m) => {
      const who = m.getAttribute("data-testid") === "bot" ? "Answer" : "Question";
      const text = `${who}: ${m.innerText.replace(/\s+/g, " ").trim()}`.slice(0, 400);
      if (m.getAttribute("aria-label") !== text) m.setAttribute("aria-label", text);
    });
  };
  let following = true;
  let seen = 0;
  const follow = () => {
    const chat = document.getElementById("chat");
    if (!chat) return;
    const users = chat.querySelectorAll(".user");
    const grew = users.length > seen;
    seen = users.length;
    labelMessages(chat);
    if (grew) {
      const panel = document.getElementById("sources");
      if (panel) panel.scrollTop = 0; // the new answer's sources from their first card
    }
    if (!(following || grew)) return;
    following = true;
    const box = scroller(chat);
    if (box) box.scrollTop = box.scrollHeight;
    const last = users[users.length - 1];
    if (!last) return;
    // Then the page, by as little as brings the newest answer's end into the window, never
    // so far that its question leaves it.
    const answers = chat.querySelectorAll(".bot");
    const answer = answers[answers.length - 1];
    const top = last.getBoundingClientRect().top;
    const end = Math.min(
      (answer || last).getBoundingClientRect().bottom, chat.getBoundingClientRect().bottom
    );
    const need = end - window.innerHeight + 16;
    if (top < 0) window.scrollBy({ top: top - 8 });
    else if (need > 0) window.scrollBy({ top: Math.min(need, top - 8) });
  };
  document.addEventListener("scroll", (event) => {
    const box = event.target;
    if (!(box instanceof Element) || !box.closest("#chat") || box.scrollHeight <= box.clientHeight + 1) return;
    following = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
  }, true);
  let pending = false;
  new MutationObserver((changes) => {
    const inChat = (node) => node && (node.nodeType === 1 ? node : node.parentElement);
    if (!changes.some((c) => inChat(c.target) && inChat(c.target).closest("#chat"))) return;
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; follow(); });
  }).observe(document.body, { childList: true, subtree: true, characterData: true });

  // Gradio's copy button copies a message's source; make it the plain answer with its [n],
  // followed by its numbered sources (title, outlet, date, url, quote) as Markdown.
  const writeText = navigator.clipboard && navigator.clipboard.writeText.bind(navigator.clipboard);
  if (writeText) {
    navigator.clipboard.writeText = (text) => {
      const plain = String(text)
        .replace(/<ol class="footnotes">[\s\S]*?<\/ol>/g, "")
        .replace(/<div class="copy-only">/g, "\n\n")
        .replace(/<br>/g, "\n")
        .replace(/<a class="cite" href="#src-\d+-\d+"[^>]*>(\[\d+\])<\/a>/g, "$1")
        .replace(/<\/div>\s*<div[^>]*>/g, "\n")
        .replace(/<[^>]+>/g, "")
        .replace(/\\([\\`*_\[\]~])/g, "$1")
        .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'")
        .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
        .replace(/&amp;/g, "&")
        .replace(/\n{3,}/g, "\n\n")
        .trim();
      return writeText(plain);
    };
  }
}
