// Wire schemas for accounts and devices: password login for a device token, listing and revoking tokens.
import { z } from 'zod';

export const loginRequestSchema = z.object({
  user: z.string().min(1).max(200),
  password: z.string().min(1).max(1024),
  device_name: z.string().min(1).max(200),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const loginResponseSchema = z.object({
  token: z.string().describe('send as "Authorization: Bearer <token>"; shown once, stored hashed'),
  device_id: z.string(),
  account_id: z.string(),
  root_id: z.string().describe('the id of the account root folder'),
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

export const deviceSchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.number().int(),
  last_used_at: z.number().int().nullable(),
  current: z.boolean().describe('true for the device making this request'),
});
export type Device = z.infer<typeof deviceSchema>;

export const deviceListSchema = z.object({ devices: z.array(deviceSchema) });

export const accountSchema = z.object({
  account_id: z.string(),
  user: z.string(),
  device_id: z.string(),
  root_id: z.string(),
  used_bytes: z.number().int(),
  quota_bytes: z.number().int().nullable().describe('null: no limit'),
  cursor: z.string().describe('the current changes cursor'),
});
export type Account = z.infer<typeof accountSchema>;
