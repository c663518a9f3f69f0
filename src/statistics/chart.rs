//! Bar charts drawn on the server as SVG (`templates/statistics/_chart.html`): the geometry is
//! computed here, the numbers go beside it as a table.

use serde::Serialize;

/// The drawing's coordinate system; the SVG scales to the page's width.
const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 240.0;
/// Room for the value axis on the left and the labels below.
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 8.0;
/// At most this many labels under the bars.
const MAX_TICKS: usize = 8;

/// A chart ready for the template.
#[derive(Debug, Serialize)]
pub struct Chart {
    /// Unique on the page: the SVG's title and description refer to it.
    pub id: &'static str,
    pub title: String,
    /// What the chart shows, in one sentence, for screen readers.
    pub description: String,
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub baseline: f64,
    pub top: f64,
    /// The largest value, shown at the top of the value axis.
    pub max: String,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
}

#[derive(Debug, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Shown on hover: the label and the value.
    pub tip: String,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

/// One bar per `(label, value)`, in order.
#[must_use]
pub fn bars(
    id: &'static str,
    title: &str,
    description: &str,
    values: &[(String, f64)],
    shown: impl Fn(f64) -> String,
) -> Chart {
    let max = values.iter().map(|(_, value)| *value).fold(0.0, f64::max);
    let plot_height = HEIGHT - BOTTOM - TOP;
    #[allow(
        clippy::cast_precision_loss,
        reason = "a chart has at most a few thousand bars"
    )]
    let slot = (WIDTH - LEFT) / values.len().max(1) as f64;
    let gap = if slot > 4.0 { slot * 0.15 } else { 0.0 };
    let every = values.len().div_ceil(MAX_TICKS).max(1);
    let mut chart = Chart {
        id,
        title: title.to_owned(),
        description: description.to_owned(),
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        baseline: HEIGHT - BOTTOM,
        top: TOP,
        max: shown(max),
        bars: Vec::with_capacity(values.len()),
        ticks: Vec::new(),
    };
    for (index, (label, value)) in values.iter().enumerate() {
        #[allow(clippy::cast_precision_loss, reason = "as above")]
        let x = LEFT + slot * index as f64;
        let height = if max > 0.0 {
            value / max * plot_height
        } else {
            0.0
        };
        chart.bars.push(Bar {
            x: round(x + gap / 2.0),
            y: round(HEIGHT - BOTTOM - height),
            width: round(slot - gap),
            height: round(height),
            tip: format!("{label}: {}", shown(*value)),
        });
        if index % every == 0 {
            chart.ticks.push(Tick {
                x: round(x + slot / 2.0),
                label: label.clone(),
            });
        }
    }
    chart
}

/// Two decimals are enough for a drawing, and keep the page small.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::bars;

    #[test]
    fn the_largest_bar_fills_the_plot_and_labels_thin_out() {
        let values: Vec<_> = (0..20).map(|i| (format!("d{i}"), f64::from(i))).collect();
        let chart = bars("c", "Title", "Description", &values, |v| format!("{v}"));
        assert_eq!(chart.bars.len(), 20);
        assert!(chart.bars[0].height.abs() < 1e-9);
        assert!((chart.bars[19].y - chart.top).abs() < 1e-9);
        assert_eq!(chart.bars[19].tip, "d19: 19");
        assert_eq!(chart.ticks.len(), 7);
        assert_eq!(chart.max, "19");
        let empty = bars("e", "Empty", "Nothing", &[], |v| format!("{v}"));
        assert!(empty.bars.is_empty());
    }
}
