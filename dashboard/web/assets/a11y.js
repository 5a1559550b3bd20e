/* Accessibility fixes the components do not make themselves (WCAG 2.1 AA, checked by axe-core in the tests):
   - the document's language follows the page's (#page-root carries data-lang), so screen readers speak English
     pages in English;
   - Dash's dropdown puts an aria-hidden but focusable helper input before its button: take the helper out of the
     tab order and put the (labelled) button in it, so Tab lands on the control itself;
   - Dash's radio items and checklists are native inputs inside labels, but carry listbox/option roles that make
     them nested interactive elements without a name: drop those roles and name the group by its <label for>;
   - the upload's file input gets the drop zone's text as its name. */
(function () {
  function fix() {
    const root = document.getElementById("page-root");
    const lang = root && root.getAttribute("data-lang");
    if (lang && document.documentElement.lang !== lang) {
      document.documentElement.lang = lang;
    }
    document.querySelectorAll(".dash-dropdown-focus-target").forEach(function (helper) {
      if (helper.tabIndex !== -1) {
        helper.tabIndex = -1;
      }
      const button = helper.nextElementSibling;
      if (button && button.tagName === "BUTTON" && !button.disabled && button.tabIndex !== 0) {
        button.tabIndex = 0;
      }
    });
  }
  function fixOptions() {
    const lists = ".dash-options-list.dash-radioitems, .dash-options-list.dash-checklist";  // not dropdown menus
    document.querySelectorAll(lists.replace(/,/g, "[role=listbox],") + "[role=listbox]").forEach(function (group) {
      group.setAttribute("role", group.querySelector("input[type=radio]") ? "radiogroup" : "group");
      const label = group.id && document.querySelector('label[for="' + CSS.escape(group.id) + '"]');
      if (label) {
        label.id = label.id || group.id + "-label";
        group.setAttribute("aria-labelledby", label.id);
      }
    });
    document.querySelectorAll(".dash-radioitems > [role=option], .dash-checklist > [role=option]").forEach(function (option) {
      option.removeAttribute("role");
      option.removeAttribute("aria-selected");
    });
    document.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (input) {
      const zone = input.parentElement;
      const text = zone && zone.textContent.trim();
      if (text) {
        input.setAttribute("aria-label", text);
      }
    });
  }
  const fixAll = function () {
    fix();
    fixOptions();
  };
  new MutationObserver(fixAll).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["tabindex", "data-lang", "role"],
  });
  document.addEventListener("DOMContentLoaded", fixAll);
})();
