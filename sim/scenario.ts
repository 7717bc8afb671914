// In progress (helper C): the module 01–03 baseline per nickname, and the empty scenario.
import type { SimContext } from './context.js';
export async function seedBaseline(_ctx: SimContext, _nickname: string): Promise<void> {}
export function seedEmpty(_ctx: SimContext): void {}
