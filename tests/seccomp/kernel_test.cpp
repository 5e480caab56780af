// SPDX-License-Identifier: Apache-2.0
// Placeholder, filled in below.
