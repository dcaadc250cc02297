/**
 * Where JSON text first goes wrong, as an offset: V8's JSON.parse messages give a position
 * for some errors only ("Unexpected token" has none), and the editor shows errors at a line.
 */
const WS = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

export function jsonErrorOffset(text: string): number {
  let at = 0;
  const fail = (): never => {
    throw at;
  };
  const skip = () => {
    WS.lastIndex = at;
    WS.exec(text);
    at = WS.lastIndex;
  };
  const match = (re: RegExp) => {
    re.lastIndex = at;
    if (!re.exec(text)) fail();
    at = re.lastIndex;
  };
  const value = (): void => {
    skip();
    const c = text[at];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      at++;
      skip();
      if (text[at] === close) return void at++;
      for (;;) {
        if (c === '{') {
          skip();
          match(STRING);
          skip();
          if (text[at] !== ':') fail();
          at++;
        }
        value();
        skip();
        if (text[at] === ',') at++;
        else if (text[at] === close) return void at++;
        else fail();
      }
    }
    if (c === '"') return match(STRING);
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, at)) return void (at += word.length);
    match(NUMBER);
  };
  try {
    value();
    skip();
    if (at < text.length) fail();
  } catch (offset) {
    return offset as number;
  }
  return -1;
}
