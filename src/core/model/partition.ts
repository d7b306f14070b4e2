/** The AWS partitions: each has its own accounts, credentials and Marketplace. */
export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';
