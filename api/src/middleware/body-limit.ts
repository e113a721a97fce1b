/** The largest JSON body any route reads: settings, users and certificate chains all fit well inside it. */
export const JSON_BODY_LIMIT_KIB = 64;
