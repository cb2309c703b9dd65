// Small helpers for the HTML report: escaping and an SVG canvas that draws the few shapes the
// charts need. Everything here returns text; every string that may come from a scenario or a
// results file goes through HtmlEscape, so a name like "<script>" is shown, never run.
#pragma once

#include <string>
#include <string_view>

namespace agentreplay::reports {

// `text` safe in HTML/SVG character data and double- or single-quoted attributes; control
// characters other than tab, CR and LF become U+FFFD.
std::string HtmlEscape(std::string_view text);

// An inline <svg> element of a fixed size. Coordinates are user units (pixels at 100%). Shapes
// take a CSS class (styled by the page's stylesheet) and an optional tooltip (<title>).
class SvgCanvas {
 public:
  SvgCanvas(double width, double height, std::string_view label);

  void Rect(double x, double y, double width, double height, std::string_view css_class,
            std::string_view tooltip = {});
  void Line(double x1, double y1, double x2, double y2, std::string_view css_class);
  // `anchor` is "start", "middle" or "end".
  void Text(double x, double y, std::string_view text, std::string_view css_class,
            std::string_view anchor = "start");

  // The finished <svg>...</svg> element.
  std::string Finish() const;

 private:
  double width_;
  double height_;
  std::string label_;
  std::string body_;
};

// A number for an SVG attribute: at most two decimals, no trailing zeros.
std::string SvgNumber(double value);

}  // namespace agentreplay::reports
