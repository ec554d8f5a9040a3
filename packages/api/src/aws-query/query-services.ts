/**
 * The AWS Query services Palisade speaks: the API version each accepts and the XML namespace its
 * responses carry. AWS clients send the version in every request and expect the namespace back.
 */

/** What identifies one AWS Query service on the wire. */
export interface QueryService {
  /** The `Version` parameter clients send (`2010-05-08` for IAM). */
  readonly version: string;
  /** The `xmlns` of the `<ActionResponse>` root element. */
  readonly namespace: string;
}

/** IAM's Query protocol identity. */
export const iamQueryService: QueryService = {
  version: '2010-05-08',
  namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
};

/** STS's Query protocol identity. */
export const stsQueryService: QueryService = {
  version: '2011-06-15',
  namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

/** The content type AWS IAM and STS answer Query requests with. */
export const queryResponseContentType = 'text/xml';
