//! Segment colours, shared by the scatter, the legend and saved models.

/// Segment colours (Tableau 10), segment `s` uses `PALETTE[(s - 1) % 10]`;
/// style/main.css has the same list for the legend swatches.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (78, 121, 167),
    (242, 142, 43),
    (225, 87, 89),
    (118, 183, 178),
    (89, 161, 79),
    (237, 201, 72),
    (176, 122, 161),
    (255, 157, 167),
    (156, 117, 95),
    (186, 176, 172),
];

/// Colour of noise (segment 0, HDBSCAN's unassigned accounts): a light grey
/// distinct from the palette's own grey (segment 10).
pub const NOISE: (u8, u8, u8) = (214, 214, 214);

/// Segment `s`'s colour as CSS hex (`#4e79a7` for segment 1); noise for 0.
pub fn segment_colour(s: usize) -> String {
    let (r, g, b) = if s == 0 { NOISE } else { PALETTE[(s - 1) % PALETTE.len()] };
    format!("#{r:02x}{g:02x}{b:02x}")
}
