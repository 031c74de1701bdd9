//! Test-only tools: decode any BER into a tree, re-encode it in another style, and list an
//! encoding's tag/length skeleton. Tests use them to produce the encoding variants a parser must
//! accept and to compare our layout with KMS's, independently of the builder.

use super::reader::{Reader, Value};
use super::writer::push_definite_length;
use crate::recipient::error::RecipientError;

/// One decoded element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A primitive element and its contents.
    Primitive { tag: u8, contents: Vec<u8> },
    /// A constructed element, how its length was encoded, and its children.
    Constructed {
        tag: u8,
        indefinite: bool,
        children: Vec<Node>,
    },
}

impl Node {
    /// The child at `path` (indices from this node down).
    pub(crate) fn at(&mut self, path: &[usize]) -> &mut Node {
        match path.split_first() {
            None => self,
            Some((first, rest)) => self.children().get_mut(*first).unwrap().at(rest),
        }
    }

    /// The children of a constructed node.
    pub(crate) fn children(&mut self) -> &mut Vec<Node> {
        match self {
            Node::Constructed { children, .. } => children,
            Node::Primitive { tag, .. } => panic!("node 0x{tag:02x} is primitive"),
        }
    }

    /// The contents of a primitive node.
    pub(crate) fn contents(&mut self) -> &mut Vec<u8> {
        match self {
            Node::Primitive { contents, .. } => contents,
            Node::Constructed { tag, .. } => panic!("node 0x{tag:02x} is constructed"),
        }
    }
}

/// Decodes one complete element (panics on malformed input: test helper).
pub(crate) fn tree(input: &[u8]) -> Node {
    let mut r = Reader::new(input);
    let node = read_node(&mut r).unwrap();
    r.expect_end("tree").unwrap();
    node
}

fn read_node(r: &mut Reader<'_>) -> Result<Node, RecipientError> {
    r.read("node", |h, value| match value {
        Value::Primitive(contents) => Ok(Node::Primitive {
            tag: h.tag,
            contents: contents.to_vec(),
        }),
        Value::Constructed(inner) => {
            let mut children = Vec::new();
            while !inner.is_at_end() {
                children.push(read_node(inner)?);
            }
            Ok(Node::Constructed {
                tag: h.tag,
                indefinite: h.len.is_none(),
                children,
            })
        }
    })
}

/// How [`encode`] writes lengths.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// `Some(x)`: every constructed element indefinite (`true`) or definite (`false`);
    /// `None`: as decoded.
    pub(crate) indefinite: Option<bool>,
    /// Write every definite length in the non-minimal 5-octet form `84 xx xx xx xx`.
    pub(crate) long_lengths: bool,
}

/// Encodes `node` in `style`.
pub(crate) fn encode(node: &Node, style: Style) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(node, style, &mut out);
    out
}

fn encode_into(node: &Node, style: Style, out: &mut Vec<u8>) {
    let definite = |out: &mut Vec<u8>, tag: u8, contents: &[u8]| {
        out.push(tag);
        if style.long_lengths {
            out.push(0x84);
            out.extend_from_slice(&u32::try_from(contents.len()).unwrap().to_be_bytes());
        } else {
            push_definite_length(out, contents.len());
        }
        out.extend_from_slice(contents);
    };
    match node {
        Node::Primitive { tag, contents } => definite(out, *tag, contents),
        Node::Constructed {
            tag,
            indefinite,
            children,
        } => {
            let mut inner = Vec::new();
            for child in children {
                encode_into(child, style, &mut inner);
            }
            if style.indefinite.unwrap_or(*indefinite) {
                out.extend_from_slice(&[*tag, 0x80]);
                out.extend_from_slice(&inner);
                out.extend_from_slice(&[0, 0]);
            } else {
                definite(out, *tag, &inner);
            }
        }
    }
}

/// One line per element, `depth: identifier+length octets`, e.g. `3: 31 82 01 6b`; the
/// indefinite form shows as `80`. Equal skeletons mean equal tags, forms and lengths.
pub(crate) fn skeleton(input: &[u8]) -> Vec<String> {
    fn walk(r: &mut Reader<'_>, input: &[u8], depth: usize, out: &mut Vec<String>) {
        while !r.is_at_end() {
            r.read("skeleton", |h, value| {
                let first = input[h.offset + 1];
                let len_octets = match first {
                    0x81..=0x84 => 1 + usize::from(first & 0x7f),
                    _ => 1,
                };
                let header = &input[h.offset..h.offset + 1 + len_octets];
                out.push(format!("{depth}: {}", hex_spaced(header)));
                if let Value::Constructed(inner) = value {
                    walk(inner, input, depth + 1, out);
                }
                Ok(())
            })
            .unwrap();
        }
    }
    let mut out = Vec::new();
    walk(&mut Reader::new(input), input, 0, &mut out);
    out
}

fn hex_spaced(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
