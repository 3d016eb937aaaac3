/* hubagent: the CLI entry point. */
#include "agent/cli.h"

int main(int argc, char **argv)
{
    return agent_cli_main(argc, argv);
}
