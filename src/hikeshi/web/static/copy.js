// Copy buttons: <button data-copy="ELEMENT_ID"> copies that element's text. A file, not an inline script,
// so the content security policy stays strict. Without clipboard access the text is selected instead.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  const source = button && document.getElementById(button.dataset.copy);
  if (!source) return;
  const copied = () => {
    button.dataset.copied = "true";
    setTimeout(() => { delete button.dataset.copied; }, 2000);
  };
  const select = () => {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.textContent).then(copied, select);
  } else {
    select();
  }
});
