import { JobStore } from '../job-store.js';
/** Cursor: `<created>|<id>` of the last job of the previous page (created ISO strings sort as text). */
function after(job, cursor) {
    if (cursor == null)
        return true;
    const key = `${job.created}|${job.id}`;
    return key < cursor;
}
export class FileTrainStore {
    jobs;
    constructor(dir) { this.jobs = new JobStore(dir); }
    async get(id) { return this.jobs.get(id); }
    async create(job) { if (this.jobs.get(job.id) == null)
        await this.jobs.save(job); }
    async save(job) { await this.jobs.save(job); }
    async progress(job) { this.jobs.touch(job); }
    async page(limit, cursor) {
        const all = this.jobs.list().filter((job) => after(job, cursor));
        const jobs = all.slice(0, limit);
        return { jobs, next: all.length > limit ? `${jobs[jobs.length - 1].created}|${jobs[jobs.length - 1].id}` : null };
    }
}
/** `<prefix>:train:<id>` (the record, JSON) and `<prefix>:train:index`, a sorted set ordered by creation time, for pages. */
export class RedisTrainStore {
    redis;
    prefix;
    constructor(redis, prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }
    key(id) { return `${this.prefix}:train:${id}`; }
    get index() { return `${this.prefix}:train:index`; }
    async get(id) {
        const text = await this.redis.get(this.key(id));
        return text == null ? undefined : JSON.parse(text);
    }
    async create(job) {
        if (await this.redis.set(this.key(job.id), JSON.stringify(job), 'NX') === 'OK') {
            await this.redis.zadd(this.index, 0, `${job.created}|${job.id}`);
        }
    }
    async save(job) {
        await this.redis.multi().set(this.key(job.id), JSON.stringify(job)).zadd(this.index, 0, `${job.created}|${job.id}`).exec();
    }
    async progress(job) { await this.save(job); }
    async page(limit, cursor) {
        // Members `<created>|<id>`, all with score 0: the set is ordered by member (ISO times sort as text),
        // so a page is one ZREVRANGEBYLEX from the exclusive cursor.
        const members = await this.redis.zrevrangebylex(this.index, cursor == null ? '+' : `(${cursor}`, '-', 'LIMIT', 0, limit + 1);
        const ids = members.slice(0, limit).map((m) => m.slice(m.indexOf('|') + 1));
        const texts = ids.length === 0 ? [] : await this.redis.mget(ids.map((id) => this.key(id)));
        const jobs = texts.filter((t) => t != null).map((t) => JSON.parse(t));
        return { jobs, next: members.length > limit ? members[limit - 1] : null };
    }
}
//# sourceMappingURL=train-store.js.map