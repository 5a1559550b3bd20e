// Cell formatters for the tables (dash-ag-grid looks functions up here by name).
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

// A number in the page's locale (90,6 in Dutch, 90.6 in English) with `digits` decimals; a dash when empty.
dagfuncs.raakNumber = function (value, locale, digits) {
  if (value === null || value === undefined || value === "" || Number.isNaN(Number(value))) {
    return "\u2013";
  }
  return Number(value).toLocaleString(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
};
