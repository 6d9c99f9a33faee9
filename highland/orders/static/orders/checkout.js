// Checkout: show only the chosen delivery method's fields. Without this script every
// group is shown with its heading, and the server reads only the chosen method's fields.
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) { return; }
  function update() {
    var chosen = form.querySelector("input[name=delivery]:checked");
    var groups = form.querySelectorAll("fieldset[data-delivery]");
    for (var i = 0; i < groups.length; i++) {
      groups[i].hidden = chosen !== null && groups[i].getAttribute("data-delivery") !== chosen.value;
    }
  }
  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "delivery") { update(); }
  });
  update();
}());
