/* auth: the default HTTP transport. Until arm/http.h is merged, none is built in and a
 * credential without an injected transport reports that clearly. */
#include "auth/auth_int.h"

auth_transport auth_default_transport(void)
{
    auth_transport none = {0};
    return none;
}
