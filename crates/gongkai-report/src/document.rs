//! The format-neutral document every parser produces: a sequence of headings,
//! paragraphs and table grids. [`crate::interpret`] turns it into a report.
//!
//! Table grids keep the shape a reader sees when a Word table is pasted as
//! text: a cell merged over several rows (rowspan / vMerge) appears only in
//! its first row; a cell merged over several columns (colspan / gridSpan)
//! appears once, with its span recorded.

/// A parsed document before interpretation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A heading (level 1 = top). Parsers emit it where the markup says so;
    /// the interpreter also recognises section headings in paragraphs.
    Heading { level: u8, text: String },
    /// A paragraph of running text.
    Paragraph(String),
    /// A table.
    Table(Grid),
}

/// A table as rows of cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub rows: Vec<Vec<GridCell>>,
    /// The rows come from text where a Word table was pasted (tab- or
    /// space-separated): merged cells may have left empty or extra cells
    /// anywhere, so cell positions are not reliable. Grids from HTML, DOCX and
    /// Markdown are `false`.
    pub pasted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridCell {
    /// The cell's text, whitespace-normalised; paragraphs inside a cell are
    /// joined without separator (labels broken over lines join up again).
    pub text: String,
    /// Number of grid columns the cell spans (≥ 1).
    pub colspan: usize,
    /// Number of grid rows the cell spans (≥ 1).
    pub rowspan: usize,
}

impl GridCell {
    pub fn new(text: impl Into<String>) -> GridCell {
        GridCell {
            text: text.into(),
            colspan: 1,
            rowspan: 1,
        }
    }

    pub fn spanning(text: impl Into<String>, colspan: usize, rowspan: usize) -> GridCell {
        GridCell {
            text: text.into(),
            colspan: colspan.max(1),
            rowspan: rowspan.max(1),
        }
    }
}

impl Grid {
    /// A grid from plain rows of text (each cell spanning one column).
    pub fn from_rows<I, R, S>(rows: I) -> Grid
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Grid {
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(GridCell::new).collect())
                .collect(),
            pasted: false,
        }
    }
}

impl Document {
    pub fn push_paragraph(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !text.trim().is_empty() {
            self.blocks.push(Block::Paragraph(text));
        }
    }

    pub fn push_heading(&mut self, level: u8, text: impl Into<String>) {
        let text = text.into();
        if !text.trim().is_empty() {
            self.blocks.push(Block::Heading { level, text });
        }
    }

    pub fn push_table(&mut self, grid: Grid) {
        if grid
            .rows
            .iter()
            .any(|r| r.iter().any(|c| !c.text.trim().is_empty()))
        {
            self.blocks.push(Block::Table(grid));
        }
    }
}
