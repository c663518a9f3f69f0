// INLOOP's own script: small progressive enhancements. The pages work without it.
"use strict";
