// The labels page's "print the whole batch" (issue 15.9): each PDF of up to
// 2,400 labels is made and saved in turn, with a progress bar, so a batch
// of any size prints from the page without typing ranges. No framework:
// the page works without this script (the range table stays), and the
// Content-Security-Policy allows only scripts served from this origin.
(function () {
  "use strict";
  var button = document.getElementById("print-all");
  if (!button) {
    return;
  }
  var say = function (template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key];
    });
  };
  button.addEventListener("click", async function () {
    var d = button.dataset;
    var count = Number(d.count);
    var per = Number(d.per);
    var files = Math.ceil(count / per);
    var confirm = document.getElementById("confirm");
    var status = document.getElementById("print-status");
    var bar = document.getElementById("print-progress");
    if (confirm && !confirm.checked) {
      status.textContent = d.confirmFirst;
      return;
    }
    button.disabled = true;
    bar.hidden = false;
    bar.max = files;
    bar.value = 0;
    for (var i = 0; i < files; i++) {
      var from = i * per + 1;
      var to = Math.min((i + 1) * per, count);
      var values = { n: i + 1, total: files, from: from, to: to };
      status.textContent = say(d.making, values);
      var url = "/batches/" + d.batch + "/labels?format=pdf&from=" + from + "&to=" + to +
        (confirm ? "&confirm=1" : "");
      var response;
      try {
        response = await fetch(url, { credentials: "same-origin" });
      } catch (e) {
        response = null;
      }
      if (!response || !response.ok) {
        status.textContent = say(d.failed, values);
        button.disabled = false;
        return;
      }
      var blob = await response.blob();
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "labels-" + d.batchNo + "-" + from + "-" + to + ".pdf";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(URL.revokeObjectURL.bind(URL, link.href), 60000);
      bar.value = i + 1;
    }
    status.textContent = say(d.done, { total: files });
    status.dataset.done = "yes";
    button.disabled = false;
  });
})();
