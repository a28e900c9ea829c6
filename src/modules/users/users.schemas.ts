import { z } from 'zod';
import { ROLES } from '../../http/access.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.js';

export const roleSchema = z.enum(ROLES);
export const emailSchema = z.email().max(320);
export const passwordSchema = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);
export const nameSchema = z.string().trim().min(1).max(100);

export const publicUserSchema = z.object({
  id: z.uuid(),
  email: z.string().max(320),
  name: z.string().max(100),
  role: roleSchema,
  disabled: z.boolean(),
  lastLoginAt: z.string().max(40).nullable(),
  createdAt: z.string().max(40),
  updatedAt: z.string().max(40),
});
