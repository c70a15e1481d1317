//! The spine's regions and motion segments: the anatomy every stage and
//! every lexicon file shares (the ICD-10-CM site character of M53.8x and its
//! siblings). Depends on nothing else in the crate.

/// An ICD-10-CM spinal region (the site character of M53.8x and its siblings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Occiput-C1, C1-C2.
    OccipitoAtlantoAxial,
    /// C2-C3 ... C6-C7.
    Cervical,
    /// C7-T1.
    Cervicothoracic,
    /// T1-T2 ... T11-T12.
    Thoracic,
    /// T12-L1.
    Thoracolumbar,
    /// L1-L2 ... L4-L5.
    Lumbar,
    /// L5-S1.
    Lumbosacral,
    /// Sacrum and coccyx.
    Sacral,
    /// No region documented.
    Unspecified,
}

impl Region {
    /// Every region, in anatomical order, then `Unspecified`.
    pub const ALL: [Region; 9] = [
        Region::OccipitoAtlantoAxial,
        Region::Cervical,
        Region::Cervicothoracic,
        Region::Thoracic,
        Region::Thoracolumbar,
        Region::Lumbar,
        Region::Lumbosacral,
        Region::Sacral,
        Region::Unspecified,
    ];

    /// Snake-case name (as in `regions.tsv` and output records).
    pub fn name(self) -> &'static str {
        match self {
            Region::OccipitoAtlantoAxial => "occipito_atlanto_axial",
            Region::Cervical => "cervical",
            Region::Cervicothoracic => "cervicothoracic",
            Region::Thoracic => "thoracic",
            Region::Thoracolumbar => "thoracolumbar",
            Region::Lumbar => "lumbar",
            Region::Lumbosacral => "lumbosacral",
            Region::Sacral => "sacral",
            Region::Unspecified => "unspecified",
        }
    }

    /// Parses a snake-case region name.
    pub fn parse(s: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.name() == s)
    }

    /// The region of a `region_<name>` concept from `concepts.tsv`.
    pub fn from_concept(concept: &str) -> Option<Region> {
        concept
            .strip_prefix("region_")
            .and_then(Region::parse)
            .filter(|r| *r != Region::Unspecified)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The region of motion segment `seg` (see [`SEGMENT_NAMES`]).
    pub fn of_segment(seg: u8) -> Region {
        match seg {
            0..=1 => Region::OccipitoAtlantoAxial,
            2..=6 => Region::Cervical,
            7 => Region::Cervicothoracic,
            8..=18 => Region::Thoracic,
            19 => Region::Thoracolumbar,
            20..=23 => Region::Lumbar,
            24 => Region::Lumbosacral,
            _ => Region::Sacral,
        }
    }

    /// The region a single vertebra (index as in [`vertebra_index`]) lies in.
    pub fn of_vertebra(v: u8) -> Region {
        match v {
            0..=2 => Region::OccipitoAtlantoAxial,
            3..=7 => Region::Cervical,
            8..=19 => Region::Thoracic,
            20..=24 => Region::Lumbar,
            _ => Region::Sacral,
        }
    }
}

/// Names of the motion segments, by index: segment `i` lies between
/// vertebra `i` and `i + 1` (occiput = 0, C1 = 1 ... C7 = 7, T1 = 8 ...).
pub const SEGMENT_NAMES: [&str; 26] = [
    "occiput-C1",
    "C1-C2",
    "C2-C3",
    "C3-C4",
    "C4-C5",
    "C5-C6",
    "C6-C7",
    "C7-T1",
    "T1-T2",
    "T2-T3",
    "T3-T4",
    "T4-T5",
    "T5-T6",
    "T6-T7",
    "T7-T8",
    "T8-T9",
    "T9-T10",
    "T10-T11",
    "T11-T12",
    "T12-L1",
    "L1-L2",
    "L2-L3",
    "L3-L4",
    "L4-L5",
    "L5-S1",
    "sacrum",
];

/// The cervicothoracic motion segment, C7-T1.
pub const C7_T1: u8 = 7;

/// A set of regions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RegionSet(u16);

impl RegionSet {
    /// The empty set.
    pub const EMPTY: RegionSet = RegionSet(0);

    /// Adds a region.
    pub fn insert(&mut self, r: Region) {
        self.0 |= r.bit();
    }
    /// Adds every region of `other`.
    pub fn extend(&mut self, other: RegionSet) {
        self.0 |= other.0;
    }
    /// Is `r` in the set?
    pub fn contains(self, r: Region) -> bool {
        self.0 & r.bit() != 0
    }
    /// Is the set empty?
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The regions in anatomical order.
    pub fn iter(self) -> impl Iterator<Item = Region> {
        Region::ALL.into_iter().filter(move |r| self.contains(*r))
    }
    /// The set holding just `r`.
    pub fn one(r: Region) -> RegionSet {
        RegionSet(r.bit())
    }
}

/// Vertebra index: occiput 0, C1-C7 1-7, T1-T12 8-19, L1-L5 20-24, S1-S5 25-29;
/// `None` for C8 (a root, not a vertebra) and impossible levels.
pub fn vertebra_index(letter: u8, n: u8) -> Option<u8> {
    match letter.to_ascii_uppercase() {
        b'C' if (1..=7).contains(&n) => Some(n),
        b'T' if (1..=12).contains(&n) => Some(7 + n),
        b'L' if (1..=5).contains(&n) => Some(19 + n),
        b'S' if (1..=5).contains(&n) => Some(24 + n),
        _ => None,
    }
}

/// The motion segments covered by vertebrae `lo..=hi`, as a bit set.
pub fn segments_between(lo: u8, hi: u8) -> u32 {
    // Vertebrae lo..=hi cover segments lo..hi (sacral vertebrae fold into 25).
    let mut s = 0u32;
    for v in lo..hi {
        s |= 1 << v.min(25);
    }
    s
}

/// The regions of a set of motion segments.
pub fn regions_of_segments(segments: u32) -> RegionSet {
    let mut r = RegionSet::EMPTY;
    for i in 0..26u8 {
        if segments & (1 << i) != 0 {
            r.insert(Region::of_segment(i));
        }
    }
    r
}
