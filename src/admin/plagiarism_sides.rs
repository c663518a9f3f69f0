//! Two solutions side by side for the pair page: each file cut into blocks of lines that are
//! either in no shared region or in one (numbered like the list of regions), so the template
//! can mark each region and give its first block an anchor to jump to.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::plagiarism::Source;
use crate::plagiarism::pairs::Region;

/// One side's file, cut into blocks.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct FileView {
    pub name: String,
    pub blocks: Vec<Block>,
}

/// Consecutive lines in the same region (or in none).
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Block {
    /// The region's number (from 1), if the lines are shared.
    pub region: Option<usize>,
    /// Whether this block is where the region begins on this side (it carries the anchor).
    pub first: bool,
    pub lines: Vec<Line>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    pub number: usize,
    pub text: String,
}

/// Which side of the pair.
#[derive(Clone, Copy)]
pub enum Side {
    A,
    B,
}

/// `files` of one side cut into blocks; also the region numbers that begin somewhere on it.
#[must_use]
pub fn cut(files: &[Source], regions: &[Region], side: Side) -> (Vec<FileView>, BTreeSet<usize>) {
    let mut anchored = BTreeSet::new();
    let views = files
        .iter()
        .map(|file| {
            let spans: Vec<(usize, (u32, u32))> = regions
                .iter()
                .enumerate()
                .filter_map(|(index, region)| {
                    let (name, lines) = match side {
                        Side::A => (&region.file_a, region.lines_a),
                        Side::B => (&region.file_b, region.lines_b),
                    };
                    (name == &file.name).then_some((index + 1, lines))
                })
                .collect();
            let mut blocks: Vec<Block> = Vec::new();
            for (index, text) in file.content.lines().enumerate() {
                let number = index + 1;
                let region = spans
                    .iter()
                    .find(|(_, (from, to))| (*from as usize..=*to as usize).contains(&number))
                    .map(|(region, _)| *region);
                let line = Line {
                    number,
                    text: text.to_owned(),
                };
                match blocks.last_mut() {
                    Some(block) if block.region == region => block.lines.push(line),
                    _ => {
                        let first = region.is_some_and(|region| anchored.insert(region));
                        blocks.push(Block {
                            region,
                            first,
                            lines: vec![line],
                        });
                    }
                }
            }
            FileView {
                name: file.name.clone(),
                blocks,
            }
        })
        .collect();
    (views, anchored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_lines_become_numbered_blocks_with_one_anchor_each() {
        let files = [Source {
            name: "A.java".into(),
            content: "a\nb\nc\nd\ne".into(),
        }];
        let region = |lines_a| Region {
            file_a: "A.java".into(),
            lines_a,
            file_b: "B.java".into(),
            lines_b: (1, 1),
            tokens: 12,
        };
        let (views, anchored) = cut(&files, &[region((2, 3)), region((5, 5))], Side::A);
        let shape: Vec<_> = views[0]
            .blocks
            .iter()
            .map(|block| (block.region, block.first, block.lines.len()))
            .collect();
        assert_eq!(
            shape,
            [
                (None, false, 1),
                (Some(1), true, 2),
                (None, false, 1),
                (Some(2), true, 1)
            ]
        );
        assert_eq!(anchored, BTreeSet::from([1, 2]));
        let (_, on_b) = cut(&files, &[region((2, 3))], Side::B);
        assert!(on_b.is_empty(), "no file B.java on side A's files");
    }
}
