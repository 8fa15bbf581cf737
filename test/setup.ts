// Every test sees the same environment however it was started: `npm test` sets npm_package_version, which
// health() takes as the service's version by default and would put in every JSON answer.
delete process.env.npm_package_version;

export const mochaHooks = {};
