// kinesalite has no --host flag and listens on every interface; this wrapper binds it to 127.0.0.1 only.
const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const port = Number(opt('--port', '4568'));
const server = require('kinesalite')({ path: opt('--path', undefined), createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 10000 }); // every test class provisions its own stream
server.listen(port, '127.0.0.1', err => {
  if (err) { console.error(err); process.exit(1); }
  console.log(`kinesalite listening at http://127.0.0.1:${port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
