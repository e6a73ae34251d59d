import { PGlite } from '@electric-sql/pglite';
let t=Date.now();
const db = new PGlite('/tmp/pgl-test-'+process.pid);
await db.waitReady; console.log('init', Date.now()-t);
await db.exec("create table t (id int primary key, e text); create unique index t_e on t (lower(e));");
await db.query("insert into t values (1,'A')");
try { await db.query("insert into t values (2,'a')"); } catch (e) { console.log(e.constructor.name, Object.keys(e), e.code, e.constraint, e.message); }
t=Date.now(); const dump = await db.dumpDataDir('none'); console.log('dump', Date.now()-t, dump.size, dump.type);
await db.close();
t=Date.now(); const db2 = new PGlite({loadDataDir: dump}); await db2.waitReady; console.log('load', Date.now()-t, (await db2.query('select count(*) from t')).rows);
t=Date.now(); const db3 = new PGlite('/tmp/pgl-test-'+process.pid); await db3.waitReady; console.log('reopen', Date.now()-t);
console.log((await db3.query('select version()')).rows[0]);
