/* vigil dashboard: exceptions screens (registered through vg.registerView in app.js). */
"use strict";
