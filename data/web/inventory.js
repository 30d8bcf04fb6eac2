/* vigil dashboard: inventory screens (registered through vg.registerView in app.js). */
"use strict";
