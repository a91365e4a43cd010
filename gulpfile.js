// Copies the nodes' and credentials' icons next to the compiled files (n8n loads them from dist/).
const { src, dest, task } = require('gulp');
const path = require('path');

function buildIcons() {
  return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { base: '.', allowEmpty: true, encoding: false })
    .pipe(dest(path.resolve('dist')));
}

task('build:icons', buildIcons);
