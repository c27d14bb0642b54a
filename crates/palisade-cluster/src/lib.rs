//! `palisade scan --cluster`: reads the live cluster through kube-rs.
