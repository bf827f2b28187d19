import { commands } from '../render/commands';
import { concatBytes } from './control-bytes';
import type { PrinterLink, Question } from './printer-link';
import { questionBytes } from './printer-link';
import type { PrinterReply } from './status-parser';
import type { PrinterIdentity } from './receipt-printer';
import type { Scheduler } from './scheduler';

export interface DetectOptions {
  readonly timeoutMs: number;
  /**
   * On printers with GS ( H, a print-completion request after the questions: printers answer in
   * order, so once it is answered, every question still open is one the printer does not know.
   */
  readonly fence: { readonly completionToken: string } | undefined;
  readonly scheduler: Scheduler;
}

type Answers = Map<Question, PrinterReply>;

async function askAll(
  link: PrinterLink,
  generation: number,
  questions: readonly Question[],
  options: DetectOptions,
): Promise<Answers> {
  const answers: Answers = new Map();
  const bytes = concatBytes(questions.map(questionBytes));
  if (options.fence !== undefined) {
    const asked = questions.map((q) => ({ q, ...link.expect(generation, q, undefined) }));
    for (const a of asked)
      void a.promise.then(
        (reply) => answers.set(a.q, reply),
        () => undefined,
      );
    const fence = link.completion(generation, options.fence.completionToken);
    await link.write(concatBytes([bytes, commands.printCompletion(options.fence.completionToken)]), { generation });
    let cancelTimer: () => void = () => undefined;
    const timeout = new Promise<void>((resolve) => {
      cancelTimer = options.scheduler.schedule(options.timeoutMs, resolve);
    });
    await Promise.race([fence.promise.catch(() => undefined), timeout]);
    cancelTimer();
    fence.cancel();
    // let replies parsed in the same chunk as the fence settle first
    await Promise.resolve();
    for (const a of asked) a.cancel();
    return answers;
  }
  const asked = link.ask(generation, questions, bytes, options.timeoutMs);
  const settled = await Promise.allSettled(asked);
  settled.forEach((s, i) => {
    const q = questions[i];
    if (s.status === 'fulfilled' && q !== undefined) answers.set(q, s.value);
  });
  if (settled.some((s) => s.status === 'rejected') && link.generation === generation) {
    // A late one-byte answer could be taken for the next job's GS r confirmation: start over.
    link.connection.drop('a GS I question went unanswered');
  }
  return answers;
}

const textOf = (reply: PrinterReply | undefined): string | undefined =>
  reply?.type === 'printer-info' && reply.text.trim() !== '' ? reply.text.trim() : undefined;
const byteOf = (reply: PrinterReply | undefined): number | undefined => (reply?.type === 'printer-id' ? reply.byte : undefined);

/**
 * Asks the printer who it is: GS I 66 (maker), 67 (model) and 65 (firmware); printers that know
 * none of those are asked GS I 1, 2, 3 (model, type and version ids). Unanswered questions are
 * left out of the result; an empty result means the printer does not say.
 */
export async function detectPrinter(link: PrinterLink, generation: number, options: DetectOptions): Promise<PrinterIdentity> {
  const maker: Question = { kind: 'info', n: 66 };
  const model: Question = { kind: 'info', n: 67 };
  const firmware: Question = { kind: 'info', n: 65 };
  const named = await askAll(link, generation, [maker, model, firmware], options);
  const identity: { -readonly [K in keyof PrinterIdentity]: PrinterIdentity[K] } = {};
  const m = textOf(named.get(maker));
  const mo = textOf(named.get(model));
  const f = textOf(named.get(firmware));
  if (m !== undefined) identity.maker = m;
  if (mo !== undefined) identity.model = mo;
  if (f !== undefined) identity.firmware = f;
  if (Object.keys(identity).length > 0 || link.generation !== generation) return identity;
  const ids: Question[] = [
    { kind: 'id', n: 1 },
    { kind: 'id', n: 2 },
    { kind: 'id', n: 3 },
  ];
  const numbered = await askAll(link, generation, ids, options);
  const [modelId, typeId, versionId] = ids.map((q) => byteOf(numbered.get(q)));
  if (modelId !== undefined) identity.modelId = modelId;
  if (typeId !== undefined) identity.typeId = typeId;
  if (versionId !== undefined) identity.versionId = versionId;
  return identity;
}
