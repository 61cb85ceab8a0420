/** The body of every HTTP error imgverify answers: `{error: {code, message}}`. */
export interface JsonErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): JsonErrorBody {
  return { error: { code, message } };
}
