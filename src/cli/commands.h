/*
 * commands.h: the subcommands of the multi-call binary.  Each is a thin
 * wrapper in cmd_<name>.c over its role library; argv[0] is the subcommand
 * name.  They return the process exit status (0 ok, 1 failure, 2 usage).
 */
#ifndef VG_CLI_COMMANDS_H
#define VG_CLI_COMMANDS_H

int vg_cmd_net(int argc, char **argv);
int vg_cmd_host(int argc, char **argv);
int vg_cmd_inspect(int argc, char **argv);
int vg_cmd_appraise(int argc, char **argv);
int vg_cmd_server(int argc, char **argv);
int vg_cmd_up(int argc, char **argv);
int vg_cmd_forward(int argc, char **argv);

#endif
