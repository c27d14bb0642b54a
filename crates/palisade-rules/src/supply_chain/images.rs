//! The image of every container of a workload, shared by the image rules (this module is not a
//! rule).

use palisade_model::Pointer;

use crate::image_ref::ImageRef;
use crate::pod::ContainerView;
use crate::rule::ObjectContext;

/// One container (init, regular or ephemeral) and its image.
pub(crate) struct ContainerImage<'a> {
    pub container: &'a ContainerView<'a>,
    /// The `image` field as written, when it is a string.
    pub text: Option<&'a str>,
    /// The parsed reference; `None` when the text is not one (absent, a number, an unrendered
    /// template, a `$(VARIABLE)`), which the image rules leave alone rather than guess.
    pub reference: Option<&'a ImageRef>,
}

impl ContainerImage<'_> {
    /// The path of the `image` field: made when a finding needs it, for every image rule
    /// looks at every container and most find nothing.
    pub fn path(&self) -> Pointer {
        self.container.path.key("image")
    }
}

/// Every container of the object's pod spec, with its image.
pub(crate) fn container_images<'a>(context: &'a ObjectContext<'a>) -> Vec<ContainerImage<'a>> {
    let Some(pod) = &context.pod else {
        return Vec::new();
    };
    pod.containers()
        .map(|container| ContainerImage {
            reference: container.image(),
            text: container.image_text(),
            container,
        })
        .collect()
}
