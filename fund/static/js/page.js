// Layout helpers on every page. The pages work without them; they fine-tune what a
// keyboard user meets.
(function () {
  "use strict";

  // A table wider than the screen scrolls inside its own region (.table-scroll), so the
  // page never scrolls sideways (WCAG 1.4.10). A keyboard user must be able to reach such
  // a region to scroll it (WCAG 2.1.1), so it is a tab stop, but only while it actually
  // scrolls: a region that fits is not an extra stop.
  function scrollRegions() {
    document.querySelectorAll(".table-scroll").forEach(function (region) {
      if (region.scrollWidth > region.clientWidth + 1) {
        region.setAttribute("tabindex", "0");
      } else {
        region.removeAttribute("tabindex");
      }
    });
  }

  // A sticky bar at the bottom of a form (.sticky-actions) must not hide the field that
  // has focus (WCAG 2.4.11). The page keeps the bar's height free when it scrolls a
  // focused field into view: scroll-padding-bottom in app.css reads this variable.
  function stickyBar() {
    var bar = document.querySelector(".sticky-actions");
    if (bar) {
      document.documentElement.style.setProperty(
        "--sticky-bar-height", Math.ceil(bar.getBoundingClientRect().height) + "px");
    }
  }

  // The browser scrolls only a field that is outside the window; one that is inside it but
  // under the bar is moved up here, just clear of the bar.
  function clearOfBar(event) {
    var bar = document.querySelector(".sticky-actions"), field = event.target;
    if (!bar || bar.contains(field) || !field.getBoundingClientRect) { return; }
    var r = field.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
    if (r.bottom > top && r.top < top + bar.offsetHeight) {
      window.scrollBy(0, Math.min(r.bottom - top + 8, r.top - 8));
    }
  }

  function update() { scrollRegions(); stickyBar(); }
  document.addEventListener("focusin", clearOfBar);

  var pending = null;
  function later() {
    if (pending) { window.cancelAnimationFrame(pending); }
    pending = window.requestAnimationFrame(function () { pending = null; update(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", later);
  window.addEventListener("load", update);
}());
