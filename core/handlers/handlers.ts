/**
 * Every handler of one instance, composed over its storage (the "what the server does" layer of DESIGN.md).
 * Routes receive the handlers they need from here.
 */
import type { HomeserverConfig } from '../config/homeserverConfig.ts';
import { clientBaseUrl } from '../config/homeserverConfig.ts';
import type { PasswordHashCost } from '../crypto/passwordHash.ts';
import type { EventSigner } from '../events/eventBuilder.ts';
import type { Storage } from '../storage/storage.ts';
import type { EventPersister } from '../storage/eventPersister.ts';
import { AccessTokenHandler } from './accounts/accessTokenHandler.ts';
import { PasswordAuthenticator } from './accounts/passwordAuthenticator.ts';
import { LoginHandler } from './accounts/loginHandler.ts';
import { RegistrationHandler } from './accounts/registrationHandler.ts';
import { PasswordChangeHandler } from './accounts/passwordChangeHandler.ts';
import { UserInteractiveAuth } from './accounts/userInteractiveAuth.ts';
import { EventCreationHandler } from './events/eventCreationHandler.ts';

export interface HandlersOptions {
  readonly config: HomeserverConfig;
  readonly storage: Storage;
  readonly signer: EventSigner;
  readonly persister: EventPersister;
  /** Cheaper password hashing for tests. */
  readonly passwordCost?: PasswordHashCost;
}

export class Handlers {
  readonly serverName: string;
  readonly tokens: AccessTokenHandler;
  readonly passwords: PasswordAuthenticator;
  /** User-interactive auth for endpoints that re-authenticate a logged-in user (password stage). */
  readonly reauth: UserInteractiveAuth;
  readonly login: LoginHandler;
  readonly registration: RegistrationHandler;
  readonly passwordChange: PasswordChangeHandler;
  readonly eventCreation: EventCreationHandler;

  constructor(options: HandlersOptions) {
    const { config, storage } = options;
    const stores = storage.stores;
    this.serverName = options.signer.serverName;
    this.tokens = new AccessTokenHandler(stores, storage.invalidations);
    this.passwords = new PasswordAuthenticator(stores.users, this.serverName);
    this.reauth = new UserInteractiveAuth({ 'm.login.password': this.passwords.stage });
    this.login = new LoginHandler(this.serverName, clientBaseUrl(config), this.passwords, this.tokens);
    this.registration = new RegistrationHandler(this.serverName, config.registration, stores.users, this.tokens, options.passwordCost);
    this.passwordChange = new PasswordChangeHandler(stores.users, this.tokens, this.reauth, options.passwordCost);
    this.eventCreation = new EventCreationHandler(stores, storage.stateController, options.persister, options.signer);
  }
}
