//! Drawing a distribution: fixed-width text bars for every platform, and a PNG for the
//! platforms that take attachments.
//!
//! The PNG is drawn with `plotters` into memory and encoded with `png`; its text uses the
//! DejaVu Sans font compiled into the binary (`prompts/fonts/`), so no system fonts are
//! needed and the output is the same on every machine. The font has no colour emoji, so
//! callers pass plain labels for the PNG (see [`Bar::png_label`]).

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;
use thiserror::Error;

/// How many cells a full text bar has; each cell is 5% of respondents.
pub const TEXT_BAR_CELLS: usize = 20;

/// The width of PNG charts, in pixels.
pub const PNG_WIDTH: u32 = 800;

const FONT_FAMILY: &str = "DejaVu Sans";
const FONT_BYTES: &[u8] = include_bytes!("../../prompts/fonts/DejaVuSans.ttf");

const MARGIN: i32 = 24;
const TITLE_LINE: i32 = 30;
const SUBTITLE_LINE: i32 = 28;
const ROW: i32 = 44;
const TITLE_CHARS: usize = 62;
const LABEL_CHARS: usize = 28;
const LABEL_COLUMN: i32 = 250;
const VALUE_COLUMN: i32 = 110;

const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
const TRACK: RGBColor = RGBColor(0xE8, 0xEB, 0xEF);
const BAR: RGBColor = RGBColor(0x2F, 0x6F, 0xA8);

/// One bar: a choice and how many chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// The label in text charts (may be an emoji).
    pub label: String,
    /// The label in the PNG, which cannot draw emoji: e.g. "1" for the first face.
    pub png_label: String,
    /// How many chose it.
    pub count: u32,
}

/// What a chart shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartData {
    /// Usually the question.
    pub title: String,
    /// A line under the title: respondents, mean.
    pub subtitle: String,
    /// One bar per choice, in button order.
    pub bars: Vec<Bar>,
}

/// The PNG could not be drawn or encoded. Not a user error: the handler should log it
/// and send the text results alone.
#[derive(Debug, Error)]
pub enum ChartError {
    /// The embedded font could not be registered.
    #[error("the embedded chart font could not be loaded")]
    Font,
    /// Drawing failed.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("encoding the chart as PNG failed: {0}")]
    Encode(String),
}

/// Text bars for a monospace block, one line per bar, e.g.
/// `Yes ▕████████░░░░░░░░░░░░▏ 4 (40%)`. Bars are shares of all answers, so bars of
/// different pulses compare at a glance; labels and counts are padded to line up.
pub fn text_bars(bars: &[Bar]) -> Vec<String> {
    let total: u32 = bars.iter().map(|b| b.count).sum();
    let label_width = bars.iter().map(|b| b.label.chars().count()).max().unwrap_or(0);
    let count_width = bars.iter().map(|b| b.count.to_string().len()).max().unwrap_or(1);
    bars.iter()
        .map(|bar| {
            let (cells, percent) = if total == 0 {
                (0, 0)
            } else {
                let count = u64::from(bar.count);
                let total = u64::from(total);
                (((count * TEXT_BAR_CELLS as u64 + total / 2) / total) as usize, (count * 100 + total / 2) / total)
            };
            let pad = label_width - bar.label.chars().count();
            format!(
                "{}{} ▕{}{}▏ {:>count_width$} ({percent}%)",
                bar.label,
                " ".repeat(pad),
                "█".repeat(cells),
                "░".repeat(TEXT_BAR_CELLS - cells),
                bar.count,
            )
        })
        .collect()
}

impl ChartData {
    /// The size [`render_png`] draws this chart at: a fixed width, and a height that grows
    /// with the title lines and the number of bars.
    pub fn png_size(&self) -> (u32, u32) {
        let title_lines = title_lines(&self.title).len() as i32;
        let height =
            MARGIN + title_lines * TITLE_LINE + SUBTITLE_LINE + MARGIN / 2 + self.bars.len() as i32 * ROW + MARGIN;
        (PNG_WIDTH, height as u32)
    }
}

/// Draws a horizontal bar chart and returns the PNG file's bytes.
pub fn render_png(chart: &ChartData) -> Result<Vec<u8>, ChartError> {
    register_font()?;
    let (width, height) = chart.png_size();
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    draw(chart, &mut rgb, (width, height)).map_err(|e| ChartError::Draw(e.to_string()))?;
    encode(&rgb, (width, height))
}

fn register_font() -> Result<(), ChartError> {
    // plotters keeps registered fonts in a process-wide table; registering once is enough.
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

fn draw(chart: &ChartData, rgb: &mut [u8], (width, height): (u32, u32)) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(rgb, (width, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let width = width as i32;
    let title_style = TextStyle::from((FONT_FAMILY, 22).into_font()).color(&INK);
    let subtitle_style = TextStyle::from((FONT_FAMILY, 16).into_font()).color(&MUTED);
    let label_style =
        TextStyle::from((FONT_FAMILY, 17).into_font()).color(&INK).pos(Pos::new(HPos::Right, VPos::Center));
    let value_style =
        TextStyle::from((FONT_FAMILY, 16).into_font()).color(&INK).pos(Pos::new(HPos::Left, VPos::Center));

    let mut y = MARGIN;
    for line in title_lines(&chart.title) {
        root.draw(&Text::new(line, (MARGIN, y), title_style.clone()))?;
        y += TITLE_LINE;
    }
    root.draw(&Text::new(chart.subtitle.clone(), (MARGIN, y), subtitle_style))?;
    y += SUBTITLE_LINE + MARGIN / 2;

    let total: u32 = chart.bars.iter().map(|b| b.count).sum();
    let bar_left = MARGIN + LABEL_COLUMN;
    let bar_right = width - MARGIN - VALUE_COLUMN;
    let bar_span = bar_right - bar_left;
    for bar in &chart.bars {
        let top = y + 8;
        let bottom = y + ROW - 8;
        let middle = (top + bottom) / 2;
        root.draw(&Text::new(ellipsize(&bar.png_label, LABEL_CHARS), (bar_left - 12, middle), label_style.clone()))?;
        root.draw(&Rectangle::new([(bar_left, top), (bar_right, bottom)], TRACK.filled()))?;
        let share = if total == 0 { 0.0 } else { f64::from(bar.count) / f64::from(total) };
        let filled = (f64::from(bar_span) * share).round() as i32;
        if filled > 0 {
            root.draw(&Rectangle::new([(bar_left, top), (bar_left + filled, bottom)], BAR.filled()))?;
        }
        root.draw(&Text::new(
            format!("{} ({:.0}%)", bar.count, share * 100.0),
            (bar_right + 12, middle),
            value_style.clone(),
        ))?;
        y += ROW;
    }
    root.present()?;
    Ok(())
}

fn encode(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.write_image_data(rgb).map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.finish().map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(out)
}

/// The title in at most two lines, broken at spaces, with an ellipsis if it is longer.
fn title_lines(title: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in title.split_whitespace() {
        let fits = current.chars().count() + 1 + word.chars().count() <= TITLE_CHARS;
        if !current.is_empty() && !fits {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    if lines.len() > 2 {
        let rest = lines[1..].join(" ");
        lines.truncate(1);
        lines.push(ellipsize(&rest, TITLE_CHARS));
    }
    lines.into_iter().map(|l| ellipsize(&l, TITLE_CHARS)).collect()
}

fn ellipsize(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, count: u32) -> Bar {
        Bar { label: label.to_string(), png_label: label.to_string(), count }
    }

    #[test]
    fn text_bars_line_up_and_show_shares() {
        let lines = text_bars(&[bar("Yes", 4), bar("Somewhat", 5), bar("No", 1)]);
        assert_eq!(
            lines,
            [
                "Yes      ▕████████░░░░░░░░░░░░▏ 4 (40%)",
                "Somewhat ▕██████████░░░░░░░░░░▏ 5 (50%)",
                "No       ▕██░░░░░░░░░░░░░░░░░░▏ 1 (10%)",
            ]
        );
    }

    #[test]
    fn text_bars_pad_counts_of_different_widths() {
        let lines = text_bars(&[bar("1", 12), bar("2", 3)]);
        assert_eq!(lines[0], "1 ▕████████████████░░░░▏ 12 (80%)");
        assert_eq!(lines[1], "2 ▕████░░░░░░░░░░░░░░░░▏  3 (20%)");
    }

    #[test]
    fn text_bars_with_no_answers_are_empty() {
        let lines = text_bars(&[bar("Yes", 0), bar("No", 0)]);
        assert_eq!(lines[0], "Yes ▕░░░░░░░░░░░░░░░░░░░░▏ 0 (0%)");
    }

    #[test]
    fn long_titles_wrap_to_two_lines_with_an_ellipsis() {
        let title = "word ".repeat(40);
        let lines = title_lines(&title);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(lines.iter().all(|l| l.chars().count() <= TITLE_CHARS));
        assert_eq!(title_lines("Short?"), ["Short?"]);
    }
}
