// The notifications page's print button (scripts only from this server: no inline handlers).
document.getElementById("udskriv")?.addEventListener("click", () => window.print());
