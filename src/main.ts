// The page app's entry: global styles and the shell.
import './app.css';
import './elements/fs-app.js';
