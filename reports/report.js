/* SPDX-License-Identifier: MIT */
/*
 * report.js: draws imgaudit's HTML report from the v1 JSON report that
 * the page carries in its script element "report-data"
 * (docs/report-schema.md).
 * Plain DOM, no library, no network.  Every string from the image reaches
 * the page as text (textContent, title), never as markup, so a file named
 * "<img src=x onerror=...>" is shown, not run; styles are set through the
 * CSSOM, which the page's Content-Security-Policy allows.
 *
 * What the tests read: <html data-ready="1"> once drawn (data-draw-ms:
 * how long parsing and drawing took), data-js-errors and
 * data-csp-violations when anything went wrong, data-* figures on the
 * cards and candidate rows.  A URL hash "#sort=rank|bytes|compressed|
 * confidence" and "&purpose=P" sets the candidate table's order and
 * filter at load (imgaudit's rank by default).
 */
(function () {
"use strict";

var root = document.documentElement;
var errors = [];
var started = performance.now();

function recordError(msg) {
	errors.push(String(msg));
	root.setAttribute("data-js-errors", errors.join("\n"));
}
window.addEventListener("error", function (e) {
	recordError((e.message || "error") + " (line " + e.lineno + ")");
});
document.addEventListener("securitypolicyviolation", function (e) {
	var v = root.getAttribute("data-csp-violations") || "";
	root.setAttribute("data-csp-violations",
	    v + e.violatedDirective + " ");
});

/* ---- formatting ---- */

var UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/*
 * C's "%.3g" for 0.999 < v < 999.5: toPrecision rounds the exact
 * value as printf does, except that an exact tie goes up where printf
 * goes to the even digit (100.5 is "100", as in the text report).
 */
function g3(v) {
	var s = v.toPrecision(3), scale, t, n;

	if (v >= 1) {
		scale = v >= 100 ? 1 : v >= 10 ? 10 : 100;
		t = v * scale;
		n = Math.floor(t);
		if (t - n === 0.5 && (n + 0.5) / scale === v && n % 2 === 0)
			s = (n / scale).toPrecision(3);
	}
	return String(Number(s));
}

/*
 * Sizes as docker prints them, as report_human_size() does in C:
 * decimal units, three significant digits ("18.6MB", "6.5kB", "1MB").
 */
function humanSize(bytes) {
	var v = Math.trunc(Number(bytes) || 0), u = 0;

	if (v < 0)
		return "-" + humanSize(-v);
	if (v < 1000)
		return v + "B";
	while (v >= 1000 && u + 1 < UNITS.length) {
		v /= 1000;
		u++;
	}
	if (v >= 999.5 && u + 1 < UNITS.length) {
		v /= 1000;
		u++;
	}
	return g3(v) + UNITS[u];
}

function pct(x) {
	return (100 * (isFinite(x) ? x : 0)).toFixed(1) + "%";
}

function num(v) {
	return typeof v === "number" && isFinite(v) ? v : 0;
}

function str(v) {
	if (v === null || v === undefined)
		return "";
	return typeof v === "string" ? v : JSON.stringify(v);
}

/* ---- DOM helpers: text only ---- */

function el(tag, cls, text) {
	var e = document.createElement(tag);

	if (cls)
		e.className = cls;
	if (text !== undefined && text !== null)
		e.textContent = String(text);
	return e;
}

function add(parent, child) {
	parent.appendChild(child);
	return child;
}

function byId(id) {
	return document.getElementById(id);
}

var COLORS = {
	"runtime": "#3b73b9", "training-only": "#e07b24",
	"dev-only": "#8e5ec2", "profiling": "#d0569b",
	"build-cache": "#8c6239", "docs": "#2f9e77", "tests": "#b39b1c",
	"debug": "#56677a", "multi-gpu-only": "#1a98ad",
	"other-gpu-arch": "#b8245a", "wasted": "#c0392b",
	"unknown": "#8c96a3", "other": "#aab2bc"
};
var EXTRA = ["#637939", "#7b4173", "#3182bd", "#e6550d", "#31a354"];

function color(purpose) {
	var h = 0, i, p = str(purpose);

	if (Object.prototype.hasOwnProperty.call(COLORS, p))
		return COLORS[p];
	for (i = 0; i < p.length; i++)
		h = (h * 31 + p.charCodeAt(i)) >>> 0;
	return EXTRA[h % EXTRA.length];
}

function dot(purpose) {
	var d = el("span", "dot");

	d.style.background = color(purpose);
	return d;
}

/* A table from header cells and rows of cells: string or {t, c, h}. */
function fillTable(table, heads, rows, empty) {
	var thead = add(table, el("thead")), tr = add(thead, el("tr"));
	var tbody = add(table, el("tbody"));

	heads.forEach(function (h) {
		var c = typeof h === "string" ? { t: h } : h;

		add(tr, el("th", c.c, c.t));
	});
	rows.forEach(function (r) {
		var row = add(tbody, el("tr"));

		r.forEach(function (cell) {
			var c = typeof cell === "object" && cell !== null ?
			    cell : { t: cell };
			var td = add(row, el("td", c.c, c.t));

			if (c.h)
				td.title = c.h;
		});
	});
	if (rows.length === 0) {
		add(add(tbody, el("tr")), el("td", "sub", empty ||
		    "None.")).colSpan = heads.length;
	}
}

function sizeCell(v) {
	return { t: humanSize(v), c: "n", h: num(v) + " bytes" };
}

/* ---- the data ---- */

var R = JSON.parse(byId("report-data").textContent);
var T = R.totals || {};
var layerBytes = num(T.layer_bytes);

function header() {
	var dl = byId("image"), img = R.image || {};

	[["image", img.ref], ["digest", img.digest],
	    ["platform", img.platform], ["created", img.created],
	    ["entrypoint", img.entrypoint], ["cmd", img.cmd]
	].forEach(function (kv) {
		if (kv[1] === null || kv[1] === undefined)
			return;
		add(dl, el("dt", "", kv[0]));
		add(dl, el("dd", kv[0] === "image" ? "" : "mono",
		    str(kv[1])));
	});
}

function card(key, label, value, raw, note, title) {
	var c = add(byId("cards"), el("div", "card"));

	c.setAttribute("data-key", key);
	c.setAttribute("data-value", String(raw));
	add(c, el("div", "label", label));
	add(c, el("div", "value", value));
	if (note)
		add(c, el("div", "note", note));
	if (title)
		c.title = title;
}

function share(v) {
	return layerBytes > 0 ? num(v) / layerBytes : 0;
}

function cards() {
	card("layer_bytes", "Image size", humanSize(T.layer_bytes),
	    num(T.layer_bytes), num(T.layers) + " layers; final tree " +
	    humanSize(T.final_bytes) + " in " + num(T.final_files) +
	    " files", num(T.layer_bytes) + " bytes of file data");
	card("compressed_bytes", "Compressed (to pull)",
	    humanSize(T.compressed_bytes), num(T.compressed_bytes),
	    "the layer blobs", num(T.compressed_bytes) + " bytes");
	card("wasted_bytes", "Wasted", humanSize(T.wasted_bytes),
	    num(T.wasted_bytes), pct(share(T.wasted_bytes)) +
	    " of the image: pulled, then hidden by a later layer",
	    num(T.wasted_bytes) + " bytes");
	card("efficiency", "Efficiency", pct(num(T.efficiency)),
	    num(T.efficiency), "of the pulled file bytes are in the " +
	    "final tree (dive: " + pct(num(T.dive_efficiency)) + ")");
	card("removable_bytes", "Removable", humanSize(T.removable_bytes),
	    num(T.removable_bytes), pct(share(T.removable_bytes)) +
	    " of the image (" + humanSize(T.removable_compressed_bytes) +
	    " to pull) by the high- and medium-confidence candidates",
	    num(T.removable_bytes) + " bytes");
	byId("cards").querySelector("[data-key=removable_bytes]")
	    .setAttribute("data-share", pct(share(T.removable_bytes)));
}

/* With --policy: whether the image passed, and each broken rule. */
function policy() {
	var p = R.policy, d, v, ul;

	if (!p || typeof p !== "object")
		return;
	v = p.violations || [];
	d = add(byId("policy"), el("div", p.passed ? "passed" : "failed"));
	d.setAttribute("data-passed", p.passed ? "1" : "0");
	add(d, el("strong", "", p.passed ? "Policy passed" :
	    "Policy failed"));
	add(d, document.createTextNode(": " + str(p.file) + ", " +
	    (p.passed ? "all " + num(p.rules_checked) + " rules hold" :
	    v.length + " of " + num(p.rules_checked) + " rules broken")));
	ul = add(d, el("ul"));
	v.forEach(function (x) {
		add(ul, el("li", "", str(x.message)));
	});
}

/* ---- treemap: purposes, then packages ---- */

function buildTree() {
	var top = { name: "final tree", children: [], bytes: 0 };
	var byPurpose = {};

	(R.purposes || []).forEach(function (p) {
		var n = { name: str(p.purpose), purpose: str(p.purpose),
		    bytes: num(p.bytes), files: num(p.files),
		    note: p.removable === "yes" ? "removable" : "",
		    children: [] };

		byPurpose[n.purpose] = n;
		top.children.push(n);
		top.bytes += n.bytes;
	});
	(R.packages || []).forEach(function (k) {
		var n = byPurpose[str(k.purpose)];

		if (!n || num(k.bytes) <= 0)
			return;
		n.children.push({ name: str(k.name), purpose: n.purpose,
		    bytes: num(k.bytes), files: num(k.files),
		    note: str(k.ecosystem) + " " + str(k.version) });
	});
	top.children.forEach(function (n) {
		var sum = 0;

		n.children.forEach(function (c) { sum += c.bytes; });
		if (sum < n.bytes)
			n.children.push({ name: "other files", other: true,
			    purpose: n.purpose, bytes: n.bytes - sum,
			    note: "files of this purpose outside its " +
			    "packages (unowned files, or packages' docs, " +
			    "caches, tests)" });
		else if (sum > n.bytes)
			n.note = (n.note ? n.note + "; " : "") + "its " +
			    "packages hold " + humanSize(sum) + ", some " +
			    "of it classified under other purposes " +
			    "(docs, tests, caches)";
		if (n.children.length === 1 && n.children[0].other)
			n.children = [];
	});
	return top;
}

/*
 * The children of n worth a box: the largest, down to 0.4% of n or
 * 60 boxes; the rest become one box that opens on them.
 */
function visible(n) {
	var kids = n.children.filter(function (c) { return c.bytes > 0; });
	var total = 0, keep = [], rest = [], restBytes = 0;

	kids.sort(function (a, b) { return b.bytes - a.bytes; });
	kids.forEach(function (c) { total += c.bytes; });
	kids.forEach(function (c, i) {
		if (i < 60 && (c.bytes >= total * 0.004 || i < 3))
			keep.push(c);
		else {
			rest.push(c);
			restBytes += c.bytes;
		}
	});
	if (rest.length === 1)
		keep.push(rest[0]);
	else if (rest.length > 1)
		keep.push({ name: rest.length + " smaller entries",
		    bytes: restBytes, children: rest, group: true,
		    purpose: n.purpose || "other" });
	return keep;
}

/* Squarified treemap (Bruls, Huizing, van Wijk): boxes near square. */
function squarify(items, x, y, w, h) {
	var out = [], total = 0, rest, scale;

	items.forEach(function (it) { total += it.bytes; });
	if (total <= 0 || w <= 0 || h <= 0)
		return out;
	scale = w * h / total;
	rest = items.map(function (it) {
		return { it: it, a: it.bytes * scale };
	});
	function worst(row, s) {
		var sum = 0, max = 0, min = Infinity;

		row.forEach(function (r) {
			sum += r.a;
			max = Math.max(max, r.a);
			min = Math.min(min, r.a);
		});
		return Math.max(s * s * max / (sum * sum),
		    sum * sum / (s * s * min));
	}
	while (rest.length > 0) {
		var side = Math.min(w, h), row = [], best = Infinity;
		var ra = 0, pos;

		while (rest.length > 0) {
			var cand = row.concat([rest[0]]);
			var wr = worst(cand, side);

			if (row.length > 0 && wr > best)
				break;
			row = cand;
			best = wr;
			rest.shift();
		}
		row.forEach(function (r) { ra += r.a; });
		if (w >= h) {
			var cw = rest.length > 0 ? ra / h : w;

			pos = y;
			row.forEach(function (r) {
				var rh = r.a / cw;

				out.push({ it: r.it, x: x, y: pos, w: cw,
				    h: rh });
				pos += rh;
			});
			x += cw;
			w -= cw;
		} else {
			var rh2 = rest.length > 0 ? ra / w : h;

			pos = x;
			row.forEach(function (r) {
				var rw = r.a / rh2;

				out.push({ it: r.it, x: pos, y: y, w: rw,
				    h: rh2 });
				pos += rw;
			});
			y += rh2;
			h -= rh2;
		}
	}
	return out;
}

var tree, path;

function describe(n, parent) {
	var s = n.name + ": " + humanSize(n.bytes);

	if (parent && parent.bytes > 0)
		s += " (" + pct(n.bytes / parent.bytes) + " of " +
		    parent.name + ")";
	if (tree.bytes > 0 && parent !== tree)
		s += ", " + pct(n.bytes / tree.bytes) + " of the final tree";
	if (n.files)
		s += "; " + n.files + " files";
	if (n.note)
		s += "\n" + n.note;
	return s;
}

/*
 * One box of the treemap: r is in the pixels of parent's pw x ph inner
 * area, and is placed in % of it.  A top-level box that has room shows
 * its own children inside it, under a header strip, so that the first
 * view shows purposes and their largest packages at once; a click opens
 * the top-level box.
 */
function drawBox(parent, pw, ph, r, cur, depth) {
	var n = r.it, d = add(parent, el("div", "tm"));
	var open = n.children && n.children.length > 0;
	var nest = depth === 0 && open && r.w > 90 && r.h > 70;

	/* In % of the parent: a printed page is narrower than the screen. */
	d.style.left = 100 * r.x / pw + "%";
	d.style.top = 100 * r.y / ph + "%";
	d.style.width = 100 * Math.max(r.w, 0) / pw + "%";
	d.style.height = 100 * Math.max(r.h, 0) / ph + "%";
	d.style.background = n.group || n.other ? COLORS.other :
	    color(n.purpose);
	if (n.other && depth === 0)
		d.style.opacity = "0.8";
	d.title = describe(n, cur) + (open && depth === 0 ?
	    "\n(click to open)" : "");
	if (r.w > 46 && r.h > 18) {
		add(d, el("div", "name", n.name));
		if (r.h > 32)
			add(d, el("div", "size", humanSize(n.bytes)));
	}
	if (nest) {
		squarify(visible(n), 2, 34, r.w - 6, r.h - 38).forEach(
		    function (c) {
			drawBox(d, r.w - 2, r.h - 2, c, n, depth + 1);
		});
	}
	if (depth > 0) {
		d.className += " leaf inner";
		return;
	}
	if (!open) {
		d.className += " leaf";
		return;
	}
	d.tabIndex = 0;
	d.addEventListener("click", function () {
		path.push(n);
		drawTreemap();
	});
	d.addEventListener("keydown", function (e) {
		if (e.key === "Enter") {
			path.push(n);
			drawTreemap();
		}
	});
}

function drawTreemap() {
	var box = byId("treemap"), crumbs = byId("crumbs");
	var cur = path[path.length - 1], items = visible(cur);
	var rects = squarify(items, 0, 0, box.clientWidth,
	    box.clientHeight);

	box.textContent = "";
	crumbs.textContent = "";
	path.forEach(function (n, i) {
		var label = n.name + " " + humanSize(n.bytes);

		if (i > 0)
			add(crumbs, document.createTextNode(" \u203a "));
		if (i === path.length - 1) {
			add(crumbs, el("span", "here", label));
			return;
		}
		add(crumbs, el("button", "", label)).addEventListener(
		    "click", function () {
			path = path.slice(0, i + 1);
			drawTreemap();
		});
	});
	rects.forEach(function (r) {
		drawBox(box, box.clientWidth, box.clientHeight, r, cur, 0);
	});
	box.setAttribute("data-boxes", String(rects.length));
	if (rects.length === 0)
		add(box, el("p", "hint", "No file data in the final tree."));
}

function treemap() {
	var timer = null;

	tree = buildTree();
	path = [tree];
	drawTreemap();
	window.addEventListener("resize", function () {
		clearTimeout(timer);
		timer = setTimeout(drawTreemap, 100);
	});
	window.addEventListener("beforeprint", drawTreemap);
}

/* ---- layers: one stacked bar each ---- */

function layers() {
	var box = byId("layers"), ls = R.layers || [], max = 0;
	var per = {}, seen = {};

	/*
	 * Final-tree bytes per layer and purpose: layers[].purposes when the
	 * report has them, else estimated from the packages.
	 */
	ls.forEach(function (l) {
		if (l.purposes)
			per[l.index] = l.purposes;
	});
	(ls.length && ls[0].purposes ? [] : R.packages || []).forEach(function (k) {
		(k.layers || []).forEach(function (l) {
			var m = per[l.index] || (per[l.index] = {});

			m[k.purpose] = (m[k.purpose] || 0) + num(l.bytes);
		});
	});
	ls.forEach(function (l) { max = Math.max(max, num(l.bytes)); });
	ls.forEach(function (l) {
		var row = add(box, el("div", "lrow"));
		var m = per[l.index] || {}, inPkgs = 0, segs = [];
		var bar, wrap;

		Object.keys(m).sort().forEach(function (p) {
			segs.push({ p: p, b: num(m[p]), label: l.purposes ? p :
			    p + " packages" });
			inPkgs += num(m[p]);
		});
		segs.push({ p: "other", b: Math.max(0, num(l.bytes) -
		    num(l.wasted_bytes) - inPkgs), label: "not in a package" });
		segs.push({ p: "wasted", b: num(l.wasted_bytes),
		    label: "wasted (hidden by a later layer)" });
		row.setAttribute("data-layer", String(l.index));
		row.title = "layer " + l.index + ": " +
		    (l.created_by ? str(l.created_by) : "(no history)") +
		    "\nsize " + humanSize(l.bytes) + ", pulled " +
		    humanSize(l.compressed_bytes) + ", " + num(l.files) +
		    " files, wasted " + humanSize(l.wasted_bytes);
		add(row, el("span", "n", "#" + l.index));
		add(row, el("span", "n", humanSize(l.bytes)));
		wrap = add(row, el("div"));
		bar = add(wrap, el("div", "lbar"));
		bar.style.width = (max > 0 ? Math.max(0.3, 100 *
		    num(l.bytes) / max) : 0) + "%";
		segs.forEach(function (s) {
			var sp;

			if (s.b <= 0 || num(l.bytes) <= 0)
				return;
			sp = add(bar, el("span", s.p === "wasted" ?
			    "wasted" : ""));
			if (s.p !== "wasted")
				sp.style.background = color(s.p);
			sp.style.width = 100 * s.b / num(l.bytes) + "%";
			sp.title = s.label + ": " + humanSize(s.b) +
			    "\n" + row.title;
			seen[s.p] = s.label;
		});
		add(row, el("span", "lcb mono", str(l.created_by)));
	});
	Object.keys(seen).forEach(function (p) {
		var s = add(byId("legend"), el("span"));
		var i = add(s, el("i", p === "wasted" ? "wasted" : ""));

		if (p === "wasted")
			i.style.background = COLORS.wasted;
		else
			i.style.background = color(p);
		add(s, document.createTextNode(p === "other" ?
		    "not in a package" : p));
	});
}

/* ---- candidates ---- */

var CONF = { high: 3, medium: 2, low: 1 };
var ORDERS = {
	rank: function (a, b) {
		return num(a.rank) - num(b.rank);
	},
	bytes: function (a, b) {
		return num(b.bytes_saved) - num(a.bytes_saved) ||
		    num(b.compressed_bytes_saved) -
		    num(a.compressed_bytes_saved) ||
		    num(a.rank) - num(b.rank);
	},
	compressed: function (a, b) {
		return num(b.compressed_bytes_saved) -
		    num(a.compressed_bytes_saved) ||
		    num(b.bytes_saved) - num(a.bytes_saved) ||
		    num(a.rank) - num(b.rank);
	},
	confidence: function (a, b) {
		return (CONF[b.confidence] || 0) -
		    (CONF[a.confidence] || 0) ||
		    num(b.bytes_saved) - num(a.bytes_saved) ||
		    num(a.rank) - num(b.rank);
	}
};
var candState = { sort: "rank", purpose: "" };

/*
 * A command with a button that copies it (the clipboard API needs a
 * secure context, which file:// is; elsewhere the text is selected).
 */
function commandBox(cmd) {
	var box = el("div", "cmd"), pre = add(box, el("pre"));
	var code = add(pre, el("code", "", cmd));
	var b = add(box, el("button", "copy", "copy"));

	b.addEventListener("click", function (e) {
		var range = document.createRange(), sel = window.getSelection();

		e.stopPropagation();
		function selectIt() {
			range.selectNodeContents(code);
			sel.removeAllRanges();
			sel.addRange(range);
			b.textContent = "selected";
		}
		if (navigator.clipboard && window.isSecureContext)
			navigator.clipboard.writeText(cmd).then(function () {
				b.textContent = "copied";
			}, selectIt);
		else
			selectIt();
	});
	return box;
}

/*
 * The details row of candidate c, hidden.  Its content is made when it
 * first opens (fill), or at once for the first ten, which print open: a
 * worst-case report has 300 candidates of ten paths each.
 */
function detailRow(c) {
	var tr = el("tr", num(c.rank) <= 10 ? "detail top" : "detail");
	var td = add(tr, el("td")), filled = false;

	td.colSpan = 7;
	tr.hidden = true;
	tr.fill = function () {
		var dl;

		function item(label, node) {
			add(dl, el("dt", "", label));
			add(add(dl, el("dd")), node);
		}
		if (filled)
			return;
		filled = true;
		dl = add(td, el("dl"));
		item("reason", el("span", "", str(c.reason)));
		item("fix", el("span", "", str(c.fix)));
		if (c.command)
			item("command", commandBox(str(c.command)));
		if (c.packages && c.packages.length)
			item("packages", el("span", "mono",
			    c.packages.join(" ")));
		if (c.top_paths && c.top_paths.length) {
			var t = el("table");

			fillTable(t, ["path", { t: "size", c: "n" }],
			    c.top_paths.map(function (p) {
				return [{ t: str(p.path), c: "mono" },
				    sizeCell(p.bytes)];
			}));
			item("top paths" + (c.files ? " (of " + c.files +
			    " files)" : ""), t);
		}
	};
	if (num(c.rank) <= 10)
		tr.fill();
	return tr;
}

function drawCands() {
	var tbody = byId("cands").tBodies[0];
	var list = (R.candidates || []).slice(), shown = 0;

	list.sort(ORDERS[candState.sort] || ORDERS.bytes);
	tbody.textContent = "";
	list.forEach(function (c) {
		var tr = add(tbody, el("tr", "cand")), det, td;
		var hide = candState.purpose !== "" &&
		    str(c.purpose) !== candState.purpose;

		tr.setAttribute("data-rank", String(num(c.rank)));
		tr.setAttribute("data-bytes", String(num(c.bytes_saved)));
		tr.setAttribute("data-compressed",
		    String(num(c.compressed_bytes_saved)));
		tr.setAttribute("data-confidence", str(c.confidence));
		tr.setAttribute("data-purpose", str(c.purpose));
		tr.tabIndex = 0;
		add(tr, el("td", "n", num(c.rank)));
		add(tr, el("td", "", str(c.title)));
		td = add(tr, el("td"));
		add(td, dot(c.purpose));
		add(td, document.createTextNode(str(c.purpose)));
		add(tr, el("td", "n", humanSize(c.bytes_saved))).title =
		    num(c.bytes_saved) + " bytes";
		add(tr, el("td", "n", humanSize(c.compressed_bytes_saved)))
		    .title = num(c.compressed_bytes_saved) + " bytes";
		td = add(tr, el("td"));
		add(td, el("span", "conf conf-" +
		    str(c.confidence).replace(/[^a-z]/g, ""),
		    str(c.confidence)));
		add(tr, el("td", "", (c.layers || []).join(", ")));
		det = add(tbody, detailRow(c));
		tr.hidden = hide;
		if (hide) {
			det.hidden = true;
			det.className += " filtered";
		} else
			shown++;
		function toggle() {
			det.fill();
			det.hidden = !det.hidden;
			tr.className = det.hidden ? "cand" : "cand open";
		}
		tr.addEventListener("click", toggle);
		tr.addEventListener("keydown", function (e) {
			if (e.key === "Enter" || e.key === " ") {
				e.preventDefault();
				toggle();
			}
		});
	});
	byId("cands").setAttribute("data-sort", candState.sort);
	byId("cand-count").textContent = shown + " of " + list.length +
	    " candidates";
	Array.prototype.forEach.call(
	    byId("cands").querySelectorAll("th.sortable"), function (th) {
		th.classList.toggle("sorted",
		    th.getAttribute("data-sort") === candState.sort);
	});
	if (list.length === 0)
		add(add(tbody, el("tr")), el("td", "sub",
		    "No removal candidates.")).colSpan = 7;
}

function candidates() {
	var sel = byId("sort"), pur = byId("purpose"), seen = {};
	var h = (location.hash || "").replace(/^#/, "").split("&");

	h.forEach(function (kv) {
		var i = kv.indexOf("="), k, v;

		if (i < 0)
			return;
		k = kv.slice(0, i);
		v = decodeURIComponent(kv.slice(i + 1));
		if (k === "sort" && ORDERS.hasOwnProperty(v))
			candState.sort = v;
		else if (k === "purpose")
			candState.purpose = v;
	});
	(R.candidates || []).forEach(function (c) {
		var p = str(c.purpose);

		if (!seen[p]) {
			seen[p] = 1;
			add(pur, el("option", "", p)).value = p;
		}
	});
	sel.value = candState.sort;
	pur.value = candState.purpose;
	sel.addEventListener("change", function () {
		candState.sort = sel.value;
		drawCands();
	});
	pur.addEventListener("change", function () {
		candState.purpose = pur.value;
		drawCands();
	});
	Array.prototype.forEach.call(
	    byId("cands").querySelectorAll("th.sortable"), function (th) {
		th.addEventListener("click", function () {
			candState.sort = th.getAttribute("data-sort");
			sel.value = candState.sort;
			drawCands();
		});
	});
	drawCands();
}

/* ---- packages, files, findings ---- */

/*
 * The package table: largest first, the first 100 rows until asked for
 * all; a name filter and a purpose filter narrow it.
 */
function packages() {
	var pk = R.packages || [], all = false, seen = {};
	var at = R.attribution || {}, eco = at.packages || {};
	var table = byId("pkgs"), tbody = table.tBodies[0];
	var q = byId("pkg-q"), pur = byId("pkg-purpose");
	var more = byId("pkg-more");

	function row(k) {
		var tr = add(tbody, el("tr", "pkg")), td;

		add(tr, el("td", "", str(k.ecosystem)));
		add(tr, el("td", "", str(k.name)));
		add(tr, el("td", "mono", str(k.version)));
		td = add(tr, el("td"));
		add(td, dot(k.purpose));
		add(td, document.createTextNode(str(k.purpose)));
		add(tr, el("td", "n", humanSize(k.bytes))).title =
		    num(k.bytes) + " bytes";
		add(tr, el("td", "n", num(k.files)));
		add(tr, el("td", "n", k.closure_bytes === null ||
		    k.closure_bytes === undefined ? "-" :
		    humanSize(k.closure_bytes))).title =
		    "what uninstalling it, and what only it needs, frees" +
		    (k.closure_bytes === null ?
		    " (- : it would take an Essential package)" : "");
		add(tr, el("td", "", (k.layers || []).map(
		    function (l) { return l.index; }).join(", ")));
	}
	function draw() {
		var want = q.value.trim().toLowerCase(), p = pur.value;
		var list = pk.filter(function (k) {
			return (p === "" || str(k.purpose) === p) &&
			    (want === "" ||
			    str(k.name).toLowerCase().indexOf(want) >= 0);
		});

		tbody.textContent = "";
		more.textContent = "";
		list.slice(0, all ? list.length : 100).forEach(row);
		table.setAttribute("data-shown", String(Math.min(list.length,
		    all ? list.length : 100)));
		if (list.length === 0)
			add(add(tbody, el("tr")), el("td", "sub", pk.length ?
			    "No package matches." :
			    "No package database found.")).colSpan = 8;
		if (!all && list.length > 100)
			add(more, el("button", "more", "Show all " +
			    list.length + " packages")).addEventListener(
			    "click", function () {
				all = true;
				draw();
			});
	}
	byId("pkg-sub").textContent = pk.length + " packages (" +
	    Object.keys(eco).map(function (e) {
		return eco[e] + " " + e;
	}).join(", ") + "); owned by packages " +
	    humanSize(at.owned_bytes) + ", not owned " +
	    humanSize(at.unowned_bytes);
	table.setAttribute("data-count", String(pk.length));
	pk.forEach(function (k) {
		var x = str(k.purpose);

		if (!seen[x]) {
			seen[x] = 1;
			add(pur, el("option", "", x)).value = x;
		}
	});
	q.addEventListener("input", draw);
	pur.addEventListener("change", draw);
	draw();
}

function files() {
	fillTable(byId("largest-files"), ["largest files",
	    { t: "size", c: "n" }, { t: "layer", c: "n" }],
	    (R.largest_files || []).map(function (f) {
		return [{ t: str(f.path), c: "mono", h: str(f.type) },
		    sizeCell(f.bytes), { t: num(f.layer), c: "n" }];
	}));
	fillTable(byId("largest-dirs"), ["largest directories",
	    { t: "size", c: "n" }],
	    (R.largest_dirs || []).map(function (f) {
		return [{ t: str(f.path), c: "mono" }, sizeCell(f.bytes)];
	}));
	fillTable(byId("wasted-files"), ["path", { t: "size", c: "n" },
	    { t: "layer", c: "n" }],
	    (R.wasted_files || []).map(function (f) {
		return [{ t: str(f.path), c: "mono" }, sizeCell(f.bytes),
		    { t: num(f.layer), c: "n" }];
	}), "Nothing is wasted.");
	fillTable(byId("unowned"), ["directory", { t: "size", c: "n" },
	    { t: "files", c: "n" }],
	    ((R.attribution || {}).unowned_dirs || []).map(function (f) {
		return [{ t: str(f.path), c: "mono" }, sizeCell(f.bytes),
		    { t: num(f.files), c: "n" }];
	}), "Every file belongs to a package.");
}

function findings() {
	var box = byId("findings"), fs = R.findings || [];

	fs.forEach(function (f) {
		var d = add(box, el("div", "finding"));

		add(d, el("span", "kind mono", str(f.kind)));
		add(d, document.createTextNode(" "));
		add(d, el("strong", "", str(f.title)));
		add(d, el("div", "", str(f.detail)));
	});
	if (fs.length === 0)
		add(box, el("p", "sub", "None."));
	if (num(R.findings_omitted) > 0)
		add(box, el("p", "sub", num(R.findings_omitted) +
		    " more findings in the JSON report."));
}

/*
 * Each part draws on its own: one that fails leaves the others.  What
 * each took goes in data-parts-ms, for tests/bench_html.sh.
 */
var parsed = performance.now(), times = [];

[header, cards, policy, treemap, layers, candidates, packages, files,
    findings].forEach(function (part) {
	var t0 = performance.now();

	try {
		part();
	} catch (e) {
		recordError(part.name + ": " + (e && e.message ? e.message :
		    e));
	}
	times.push(part.name + " " + (performance.now() - t0).toFixed(0));
});
root.setAttribute("data-parts-ms", "parse " + (parsed -
    started).toFixed(0) + ", " + times.join(", "));
window.imgaudit = { humanSize: humanSize, report: R };
root.setAttribute("data-draw-ms", (performance.now() - started).toFixed(0));
root.setAttribute("data-ready", "1");
}());
