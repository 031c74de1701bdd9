//! `Limit`/`Marker` paging shared by the List operations.
//!
//! The marker is the position of the next item, base64-free decimal text wrapped so it looks
//! opaque (clients must treat it as such); a marker we did not issue is `InvalidMarkerException`.

use nitro_kms_api::{KmsError, KmsErrorType};

/// Default page size of the List operations.
pub const DEFAULT_LIMIT: usize = 100;

/// One page of a list.
pub struct Page<'a, T> {
    /// The items on this page.
    pub items: &'a [T],
    /// Where the next page starts, if there is one.
    pub next_marker: Option<String>,
    /// Whether there are more items.
    pub truncated: bool,
}

/// Cuts `all` into the page `limit` and `marker` ask for.
pub fn page<'a, T>(
    all: &'a [T],
    limit: Option<i32>,
    marker: Option<&str>,
) -> Result<Page<'a, T>, KmsError> {
    let limit = limit
        .and_then(|l| usize::try_from(l).ok())
        .filter(|&l| l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    let start = match marker {
        None => 0,
        Some(m) => m
            .strip_prefix("nkm-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n <= all.len())
            .ok_or_else(|| KmsError::new(KmsErrorType::InvalidMarker, "Invalid marker"))?,
    };
    let end = start.saturating_add(limit).min(all.len());
    let truncated = end < all.len();
    Ok(Page {
        items: all.get(start..end).unwrap_or_default(),
        next_marker: truncated.then(|| format!("nkm-{end}")),
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_markers_to_the_end_and_foreign_markers_are_refused() {
        let all: Vec<u32> = (0..5).collect();
        let p = page(&all, Some(2), None).unwrap();
        assert_eq!((p.items, p.truncated), (&[0, 1][..], true));
        let p2 = page(&all, Some(2), p.next_marker.as_deref()).unwrap();
        assert_eq!(p2.items, &[2, 3]);
        let p3 = page(&all, Some(2), p2.next_marker.as_deref()).unwrap();
        assert_eq!(
            (p3.items, p3.truncated, p3.next_marker),
            (&[4][..], false, None)
        );
        for bad in ["xyz", "nkm-9", "nkm--1"] {
            let e = page(&all, None, Some(bad)).err().unwrap();
            assert_eq!(e.kind(), KmsErrorType::InvalidMarker);
        }
    }
}
