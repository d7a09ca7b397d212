"""Driver manifests (kørelister) and centre rider lists (deltagerlister): the data
(:mod:`~maps.manifest.data`) apart from its renderers (:mod:`~maps.manifest.html`,
:mod:`~maps.manifest.pdf`, the inline SVG route map :mod:`~maps.manifest.svg`), and the Danish
texts they share (:mod:`~maps.manifest.texts`)."""
