//! Which regions a service serves (issue 18): the enclave's measured `--regions` setting, and how
//! a read replica names the region of a request it forwards to the leader. See [`crate::regions`]
//! for the contexts of the regions.

use std::collections::BTreeSet;

use nitro_kms_api::regions;

/// What separates a region from the operation in a [`regional_op`].
pub const REGION_SEPARATOR: char = '/';

/// The operation name a read replica forwards to the leader for a request of `region`:
/// `Op` in the configured region (`configured`; forwards stay as they were), `REGION/Op` in any
/// other. The forward is MAC'd as a whole, so the parent cannot move a request to another region.
pub fn regional_op(configured: &str, region: &str, op: &str) -> String {
    if region == configured {
        op.to_owned()
    } else {
        format!("{region}{REGION_SEPARATOR}{op}")
    }
}

/// The region and the operation of a [`regional_op`]: `(None, op)` for the configured region.
pub fn split_regional_op(op: &str) -> (Option<&str>, &str) {
    match op.split_once(REGION_SEPARATOR) {
        Some((region, op)) => (Some(region), op),
        None => (None, op),
    }
}

/// The regions a service serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionAllowlist {
    /// Every AWS region ([`regions::ALL`]): the simulation's default.
    All,
    /// These regions only (the configured one among them): production's default is the
    /// configured region alone.
    Only(BTreeSet<String>),
}

impl RegionAllowlist {
    /// Only `region`.
    pub fn one(region: &str) -> RegionAllowlist {
        RegionAllowlist::Only(BTreeSet::from([region.to_owned()]))
    }

    /// Whether a request signed for `region` is served: an AWS region the list allows.
    pub fn serves(&self, region: &str) -> bool {
        match self {
            RegionAllowlist::All => regions::is_known(region),
            RegionAllowlist::Only(set) => set.contains(region),
        }
    }

    /// Parses `--regions`: `all`, or a comma-separated list of AWS regions.
    pub fn parse(text: &str) -> Result<RegionAllowlist, String> {
        if text.trim() == "all" {
            return Ok(RegionAllowlist::All);
        }
        let mut set = BTreeSet::new();
        for region in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            if !regions::is_known(region) {
                return Err(format!("{region:?} is not an AWS region"));
            }
            set.insert(region.to_owned());
        }
        if set.is_empty() {
            return Err("no region named (use `all` or a comma-separated list)".to_owned());
        }
        Ok(RegionAllowlist::Only(set))
    }
}

#[cfg(test)]
mod tests;
