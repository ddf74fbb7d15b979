/**
 * s3rver's own account, which it checks signatures against. Apart from
 * s3-server.ts so that a test needing only the names does not load s3rver.
 */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
