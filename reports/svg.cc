#include "reports/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "reports/reporter.h"

namespace agentreplay::reports {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // HTML treats other C0 controls as parse errors and drops or replaces a NUL: shown as
        // U+FFFD instead, so that something visibly was there.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += kReplacementCharacter;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string SvgNumber(double value) {
  if (!std::isfinite(value)) return "0";
  std::string text = fmt::format("{:.2f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

SvgCanvas::SvgCanvas(double width, double height, std::string_view label)
    : width_(width), height_(height), label_(label) {}

void SvgCanvas::Rect(double x, double y, double width, double height, std::string_view css_class,
                     std::string_view tooltip) {
  body_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"{}\"",
                       SvgNumber(x), SvgNumber(y), SvgNumber(std::max(width, 0.0)),
                       SvgNumber(std::max(height, 0.0)), HtmlEscape(css_class));
  if (tooltip.empty()) {
    body_ += "/>";
  } else {
    body_ += fmt::format("><title>{}</title></rect>", HtmlEscape(tooltip));
  }
  body_ += '\n';
}

void SvgCanvas::Line(double x1, double y1, double x2, double y2, std::string_view css_class) {
  body_ +=
      fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{}\"/>\n", SvgNumber(x1),
                  SvgNumber(y1), SvgNumber(x2), SvgNumber(y2), HtmlEscape(css_class));
}

void SvgCanvas::Text(double x, double y, std::string_view text, std::string_view css_class,
                     std::string_view anchor) {
  body_ += fmt::format("<text x=\"{}\" y=\"{}\" class=\"{}\" text-anchor=\"{}\">{}</text>\n",
                       SvgNumber(x), SvgNumber(y), HtmlEscape(css_class), HtmlEscape(anchor),
                       HtmlEscape(text));
}

std::string SvgCanvas::Finish() const {
  return fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\">\n{}</svg>\n",
      HtmlEscape(label_), SvgNumber(width_), SvgNumber(height_), SvgNumber(width_),
      SvgNumber(height_), body_);
}

}  // namespace agentreplay::reports
