//! `--output table`, laid out exactly as the AWS CLI lays it out (a port of awscli's
//! `TableFormatter` and `MultiTable`): one section per object or list, nested sections indented
//! with `|`, column widths scaled to the widest section, and sections whose single row would not
//! fit the 80-column terminal turned into key/value rows.

use serde_json::Value;

/// The width the AWS CLI assumes when stdout is not a terminal.
const TERMINAL_WIDTH: usize = 80;

#[derive(Default)]
struct Section {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    indent: usize,
    max_widths: Vec<usize>,
}

impl Section {
    fn update_widths(&mut self, row: &[String]) {
        if self.max_widths.is_empty() {
            self.max_widths = row.iter().map(|c| c.chars().count()).collect();
        } else {
            for (w, c) in self.max_widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
    }

    fn add_header(&mut self, headers: Vec<String>) {
        self.update_widths(&headers);
        self.headers = headers;
    }

    fn add_row(&mut self, row: Vec<String>) {
        self.update_widths(&row);
        self.rows.push(row);
    }

    fn column_widths(&self, padding: usize, max_width: Option<usize>) -> Vec<usize> {
        let unscaled: Vec<usize> = self.max_widths.iter().map(|w| w + padding).collect();
        let Some(max) = max_width else {
            return unscaled;
        };
        if unscaled.is_empty() {
            return unscaled;
        }
        let total: usize = unscaled.iter().sum();
        let factor = max as f64 / total as f64;
        // Python's round() rounds half to even.
        let mut scaled: Vec<i64> = unscaled
            .iter()
            .map(|w| (factor * *w as f64).round_ties_even() as i64)
            .collect();
        let mut off_by: i64 = scaled.iter().sum::<i64>() - max as i64;
        while off_by != 0 {
            let order: Vec<usize> = if off_by < 0 {
                (0..scaled.len()).rev().collect()
            } else {
                (0..scaled.len()).collect()
            };
            for i in order {
                if off_by > 0 {
                    scaled[i] -= 1;
                    off_by -= 1;
                } else {
                    scaled[i] += 1;
                    off_by += 1;
                }
                if off_by == 0 {
                    break;
                }
            }
        }
        scaled.into_iter().map(|w| w.max(0) as usize).collect()
    }

    fn total_width(&self) -> usize {
        let padding = 4;
        let outer = self.indent;
        let total: usize = self
            .column_widths(0, None)
            .iter()
            .map(|w| w + padding)
            .sum::<usize>()
            + 2
            + 2 * outer;
        total.max(self.title.chars().count() + 2 + 2 * outer)
    }
}

fn center(text: &str, length: usize, left: &str, right: &str) -> String {
    let text_len = text.chars().count();
    let start = (length / 2) as i64 - (text_len / 2) as i64 - 1;
    let start = start.max(0) as usize;
    let so_far = left.chars().count() + start + text_len;
    let right_spaces = length.saturating_sub(right.chars().count() + so_far);
    format!(
        "{left}{}{text}{}{right}",
        " ".repeat(start),
        " ".repeat(right_spaces)
    )
}

fn align_left(text: &str, length: usize, left: &str, right: &str) -> String {
    let text_len = text.chars().count();
    let computed = text_len + 2 + left.chars().count() + right.chars().count();
    let padding = if length >= computed { 2 } else { 0 };
    let so_far = left.len() + padding + text_len;
    format!(
        "{left}{}{text}{}{right}",
        " ".repeat(padding),
        " ".repeat(length.saturating_sub(so_far + right.len()))
    )
}

fn scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::Array(_))
}

/// Python's `str()` of a parsed JSON value.
fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

struct Builder {
    sections: Vec<Section>,
}

impl Builder {
    fn current(&mut self) -> &mut Section {
        if self.sections.is_empty() {
            self.sections.push(Section::default());
        }
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    fn new_section(&mut self, title: &str, indent: usize) {
        self.sections.push(Section {
            title: title.to_owned(),
            indent,
            ..Section::default()
        });
    }

    fn build(&mut self, title: Option<&str>, current: &Value, indent: usize) -> bool {
        let empty = match current {
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Bool(b) => !b,
            Value::Number(n) => n.as_f64() == Some(0.0),
        };
        if empty {
            return false;
        }
        if let Some(t) = title {
            self.new_section(t, indent);
        }
        match current {
            Value::Array(items) => {
                if matches!(items.first(), Some(Value::Object(_))) {
                    self.sub_table_from_list(items, indent, title.unwrap_or(""));
                } else {
                    for item in items {
                        if scalar(item) {
                            self.current().add_row(vec![python_str(item)]);
                        } else if let Value::Array(inner) = item
                            && inner.iter().all(scalar)
                        {
                            self.current()
                                .add_row(inner.iter().map(python_str).collect());
                        } else {
                            self.build(None, item, 0);
                        }
                    }
                }
            }
            Value::Object(_) => self.sub_table_from_dict(current, indent),
            _ => {}
        }
        true
    }

    fn group(current: &serde_json::Map<String, Value>) -> (Vec<String>, Vec<String>) {
        let mut headers: Vec<String> = current
            .iter()
            .filter(|(_, v)| scalar(v))
            .map(|(k, _)| k.clone())
            .collect();
        let mut more: Vec<String> = current
            .iter()
            .filter(|(_, v)| !scalar(v))
            .map(|(k, _)| k.clone())
            .collect();
        headers.sort();
        more.sort();
        (headers, more)
    }

    fn sub_table_from_dict(&mut self, current: &Value, indent: usize) {
        let Value::Object(m) = current else { return };
        let (headers, more) = Self::group(m);
        if headers.len() == 1 {
            let h = headers[0].clone();
            let v = python_str(&m[&h]);
            self.current().add_row(vec![h, v]);
        } else if !headers.is_empty() {
            let row = headers.iter().map(|h| python_str(&m[h])).collect();
            self.current().add_header(headers);
            self.current().add_row(row);
        }
        for k in more {
            self.build(Some(&k), &m[&k], indent + 1);
        }
    }

    fn sub_table_from_list(&mut self, items: &[Value], indent: usize, title: &str) {
        let mut headers = std::collections::BTreeSet::new();
        let mut more = std::collections::BTreeSet::new();
        for item in items {
            if let Value::Object(m) = item {
                let (h, x) = Self::group(m);
                headers.extend(h);
                more.extend(x);
            }
        }
        let headers: Vec<String> = headers.into_iter().collect();
        self.current().add_header(headers.clone());
        let mut first = true;
        for item in items {
            let Value::Object(m) = item else { continue };
            if !first && !more.is_empty() {
                self.new_section(title, indent);
                self.current().add_header(headers.clone());
            }
            first = false;
            let row = headers
                .iter()
                .map(|h| m.get(h).map(python_str).unwrap_or_default())
                .collect();
            self.current().add_row(row);
            for k in &more {
                if let Some(v) = m.get(k) {
                    self.build(Some(k), v, indent + 1);
                }
            }
        }
    }
}

fn line_break(widths: &[usize]) -> String {
    let mut out = String::new();
    for (i, w) in widths.iter().enumerate() {
        if i == 0 {
            out.push_str(&format!("+{}+", "-".repeat(w.saturating_sub(2))));
        } else {
            out.push_str(&format!("{}+", "-".repeat(w.saturating_sub(1))));
        }
    }
    out
}

/// Renders `response` of `title` (the operation name) as the AWS CLI's table output.
pub fn render(title: &str, response: &Value) -> String {
    let mut b = Builder {
        sections: Vec::new(),
    };
    if !b.build(Some(title), response, 0) {
        return String::new();
    }
    let mut max_width = b
        .sections
        .iter()
        .map(Section::total_width)
        .max()
        .unwrap_or(0);
    if max_width > TERMINAL_WIDTH {
        for s in &mut b.sections {
            if s.rows.len() == 1 && !s.headers.is_empty() {
                let mut vertical = Section {
                    title: s.title.clone(),
                    indent: s.indent,
                    ..Section::default()
                };
                for (h, e) in s.headers.iter().zip(&s.rows[0]) {
                    vertical.add_row(vec![h.clone(), e.clone()]);
                }
                *s = vertical;
            }
        }
        max_width = b
            .sections
            .iter()
            .map(Section::total_width)
            .max()
            .unwrap_or(0);
    }
    let mut out = format!("{}\n", "-".repeat(max_width));
    for s in &b.sections {
        let edge = "|".repeat(s.indent);
        let mut write = |line: &str| {
            out.push_str(&edge);
            out.push_str(line);
            out.push_str(&edge);
            out.push('\n');
        };
        let width = max_width - s.indent * 2;
        if !s.title.is_empty() {
            write(&center(&s.title, width, "|", "|"));
            if s.headers.is_empty() && s.rows.is_empty() {
                write(&format!("+{}+", "-".repeat(width.saturating_sub(2))));
            }
        }
        if !s.headers.is_empty() {
            let widths = s.column_widths(4, Some(width));
            let mut current = String::new();
            for (i, (w, h)) in widths.iter().zip(&s.headers).enumerate() {
                current.push_str(&center(h, *w, if i == 0 { "|" } else { "" }, "|"));
            }
            write(&line_break(&widths));
            write(&current);
        }
        if !s.rows.is_empty() {
            let widths = s.column_widths(4, Some(width));
            if widths.is_empty() {
                continue;
            }
            write(&line_break(&widths));
            for row in &s.rows {
                let mut current = String::new();
                for (i, (w, e)) in widths.iter().zip(row).enumerate() {
                    current.push_str(&align_left(e, *w, if i == 0 { "|" } else { "" }, "|"));
                }
                write(&current);
            }
            write(&line_break(&widths));
        }
    }
    out
}
