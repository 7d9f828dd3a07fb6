// Qualification screen: while INSi is called (several seconds) the zone is marked busy and the busy state is
// announced; once the answer arrives it is brought into view, focused and announced (aria-live region that
// stays in the page, so screen readers hear it even though the zone is replaced).
(function () {
  "use strict";
  var APPELS = ["appeler-insi", "lire-carte"];
  function annoncer(texte) {
    var annonce = document.getElementById("annonce-insi");
    if (annonce) { annonce.textContent = texte; }
  }
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    if (!evt.detail.elt || APPELS.indexOf(evt.detail.elt.id) < 0) { return; }
    var zone = document.getElementById("zone-qualification");
    if (zone) { zone.setAttribute("aria-busy", "true"); }
    annoncer("Interrogation d'INSi en cours, patientez quelques secondes.");
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var resultat = document.getElementById("resultat-insi");
    var resume = document.getElementById("resume-insi");
    if (!resultat) { return; }
    resultat.scrollIntoView({block: "start"});
    resultat.focus({preventScroll: true});
    if (resume) { annoncer(resume.textContent); }
  });
  document.body.addEventListener("htmx:afterRequest", function (evt) {
    if (!evt.detail.elt || APPELS.indexOf(evt.detail.elt.id) < 0) { return; }
    var zone = document.getElementById("zone-qualification");
    if (zone) { zone.removeAttribute("aria-busy"); }
    if (!evt.detail.successful) { annoncer("L'appel à INSi n'a pas abouti : réessayez."); }
  });
})();
