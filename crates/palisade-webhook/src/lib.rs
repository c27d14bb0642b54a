//! `palisade serve`: the admission webhook. It judges the objects of AdmissionReviews with the
//! same rules, messages and configuration as `palisade scan`, over HTTPS only.
