import '../shared/bridge.js';
