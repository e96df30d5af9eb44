//! Rows left out and cells ignored, counted per reason with example row
//! numbers: nothing is dropped silently.

/// A reason rows were left out, with how many and the first few row numbers.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SkippedRows {
    pub reason: String,
    pub count: usize,
    /// File record numbers (header = 1) of the first 10.
    pub examples: Vec<u32>,
}

#[derive(Default)]
pub(super) struct Skips(pub(super) Vec<SkippedRows>);

impl Skips {
    /// Adds the skips of a later part of the file, its row numbers moved on by `offset`.
    pub(super) fn merge(&mut self, later: Vec<SkippedRows>, offset: u32) {
        for l in later {
            let s = match self.0.iter_mut().find(|s| s.reason == l.reason) {
                Some(s) => s,
                None => {
                    self.0.push(SkippedRows { reason: l.reason, count: 0, examples: Vec::new() });
                    self.0.last_mut().expect("just pushed")
                }
            };
            s.count += l.count;
            let room = 10usize.saturating_sub(s.examples.len());
            s.examples.extend(l.examples.iter().take(room).map(|r| r + offset));
        }
    }

    pub(super) fn add(&mut self, reason: String, row: u32) {
        if let Some(s) = self.0.iter_mut().find(|s| s.reason == reason) {
            s.count += 1;
            if s.examples.len() < 10 {
                s.examples.push(row);
            }
        } else {
            self.0.push(SkippedRows { reason, count: 1, examples: vec![row] });
        }
    }
}
