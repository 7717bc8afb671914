// In progress (helper D): LocalStack specifics.
import type { AlbAddress } from './target.js';
export function localstackAlbAddress(endpoint: string, dns: string, _port: number, _arn?: string): AlbAddress {
  const u = new URL(endpoint);
  return { origin: endpoint, host: `${dns}:${u.port || '4566'}`, pathPrefix: '' };
}
