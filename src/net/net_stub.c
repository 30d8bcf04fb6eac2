/* placeholder so the library is never empty; remove when real files land */
int vg_net_stub_unused(void);
int vg_net_stub_unused(void) { return 0; }
